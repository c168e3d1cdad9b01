"""Alert notifications (issue 17 item 2, §21, §29.6): tenants' channels (e-mail, signed webhooks),
the messages planned from alert changes, and their deliveries with retries.

- `policy`, `planning`, `retries`, `signing`: the pure core (time and randomness are arguments).
- `channels`: the channel CRUD the API calls, with the webhook URL rules (SSRF, HTTPS, length).
- `queueing`, `delivery`, `senders`: the shell a Dagster sensor runs, never the request path.
"""
