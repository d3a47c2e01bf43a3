"""Pictures of progress: a client's last four weeks and a coach's caseload at a glance.

`data` gathers what a picture shows with async database calls and returns plain values;
`render` turns those values and a language into a PNG, with no database and no Telegram, so a
picture is a pure function of its data and can be tested and timed on its own.
"""
