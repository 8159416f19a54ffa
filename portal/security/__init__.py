"""Protection of logins and of the site as a whole: login lockout (django-axes), two-factor
authentication for the back office (django-otp), the Content Security Policy (django-csp) and rate
limits per client. The settings that drive them are in `portal/settings/base.py`."""
