"""The Zabbix webhook media type `setup_webhook` keeps in place: the script and the
parameters of docs/providers/zabbix.md, with our URL and API key filled in.

Only the media type: attaching it to a user (*Users > Media*) and sending it from a
trigger action stay with the Zabbix admin, who knows which user and which triggers.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "API_KEY_PARAMETER",
    "MEDIA_TYPE_NAME",
    "SCRIPT",
    "URL_PARAMETER",
    "mediatype_body",
    "webhook_url",
]

MEDIA_TYPE_NAME = "keep-aiops"
URL_PARAMETER = "keepUrl"
API_KEY_PARAMETER = "keepApiKey"
# mediatype.type: 4 is Webhook (Zabbix 4.4 and later).
WEBHOOK_TYPE = 4

# The documented script, verbatim: the same one a user pastes by hand.
SCRIPT = """var params = JSON.parse(value);
var url = params.keepUrl, key = params.keepApiKey;
delete params.keepUrl;
delete params.keepApiKey;
// Macros Zabbix could not resolve (e.g. {EVENT.RECOVERY.ID} in a problem) stay literal: drop them.
Object.keys(params).forEach(function (name) {
    if (/^\\{\\$?[A-Z0-9_.]+\\}$/.test(params[name]) || params[name] === '*UNKNOWN*') delete params[name];
});
try { params.tags = JSON.parse(params.tags || '[]'); } catch (error) { /* sent as text, reported */ }
var request = new HttpRequest();
request.addHeader('Content-Type: application/json');
request.addHeader('X-API-KEY: ' + key);
var response = request.post(url, JSON.stringify(params));
var status = request.getStatus();
if (status < 200 || status >= 300) {
    throw 'keep-aiops answered ' + status + ': ' + response;
}
return 'OK';"""

# Webhook parameter -> the macro Zabbix fills in; the formatter reads these names.
EVENT_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("id", "{EVENT.ID}"),
    ("recoveryId", "{EVENT.RECOVERY.ID}"),
    ("triggerId", "{TRIGGER.ID}"),
    ("name", "{EVENT.NAME}"),
    ("status", "{EVENT.STATUS}"),
    ("value", "{EVENT.VALUE}"),
    ("updateStatus", "{EVENT.UPDATE.STATUS}"),
    ("updateAction", "{EVENT.UPDATE.ACTION}"),
    ("acknowledged", "{EVENT.ACK.STATUS}"),
    ("description", "{TRIGGER.DESCRIPTION}"),
    ("severity", "{EVENT.SEVERITY}"),
    ("nseverity", "{EVENT.NSEVERITY}"),
    ("date", "{EVENT.DATE}"),
    ("time", "{EVENT.TIME}"),
    ("tags", "{EVENT.TAGSJSON}"),
    ("host", "{HOST.HOST}"),
    ("hostName", "{HOST.NAME}"),
    ("hostIp", "{HOST.IP}"),
    ("opdata", "{EVENT.OPDATA}"),
    ("subject", "{ALERT.SUBJECT}"),
    ("message", "{ALERT.MESSAGE}"),
    ("zabbixUrl", "{$ZABBIX.URL}"),
)

# Without a template for an operation kind Zabbix does not send it; the text itself is
# only what reaches `subject` and `message`. eventsource 0: triggers; recovery 0, 1, 2:
# problem, recovery and update operations.
_PROBLEM = "Problem started at {EVENT.TIME} on {EVENT.DATE}\nProblem name: {EVENT.NAME}\nHost: {HOST.NAME}"
MESSAGE_TEMPLATES: tuple[dict[str, str], ...] = (
    {"eventsource": "0", "recovery": "0", "subject": "Problem: {EVENT.NAME}", "message": _PROBLEM},
    {
        "eventsource": "0",
        "recovery": "1",
        "subject": "Resolved: {EVENT.NAME}",
        "message": "Problem resolved at {EVENT.RECOVERY.TIME} on {EVENT.RECOVERY.DATE}\nProblem name: {EVENT.NAME}",
    },
    {
        "eventsource": "0",
        "recovery": "2",
        "subject": "Updated: {EVENT.NAME}",
        "message": "{USER.FULLNAME} {EVENT.UPDATE.ACTION} problem at {EVENT.UPDATE.DATE} {EVENT.UPDATE.TIME}",
    },
)


def webhook_url(keep_api_url: str, provider_id: str) -> str:
    return f"{keep_api_url.rstrip('/')}/api/alerts/event/zabbix?provider_id={provider_id}"


def mediatype_body(url: str, api_key: str) -> dict[str, Any]:
    """The whole media type: mediatype.update replaces parameters and templates as given."""
    parameters = [{"name": URL_PARAMETER, "value": url}, {"name": API_KEY_PARAMETER, "value": api_key}]
    parameters += [{"name": name, "value": macro} for name, macro in EVENT_PARAMETERS]
    return {
        "type": WEBHOOK_TYPE,
        "name": MEDIA_TYPE_NAME,
        "status": 0,
        "script": SCRIPT,
        "timeout": "30s",
        "parameters": parameters,
        "message_templates": [dict(template) for template in MESSAGE_TEMPLATES],
        "description": "Sends problems, recoveries and updates to keep-aiops. Managed by keep-aiops "
        "setup_webhook: edits here are replaced on the next setup.",
    }
