"""The coordinator dashboard: a small aiohttp site, signed in with Discord.

``server`` runs it (inside ``mentorbot run`` or alone as ``mentorbot web``); ``app`` builds the
application (routes, error pages, security headers); ``auth`` is Sign in with Discord (OAuth2
code flow with a state, a signed session cookie, CSRF tokens) over ``oauth`` (Discord's OAuth2
endpoints) and ``sessions`` (signed cookies); ``directory`` asks Discord, with the bot's token,
who a person is in a server (the facts the services check rights against) and their names;
``access`` turns that into what they may see (the services' own rules). ``pages`` hold the
handlers; templates and the style sheet are package data. Pages read through the services and
never show a check-in answer, a note, or who wrote anonymously.
"""
