"""The embedded development stack: a Kafka-protocol broker and PostgreSQL from pip wheels,
and real Apache Kafka for the integration tests. Never a production option."""
