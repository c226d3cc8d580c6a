"""Console settings (environment prefix SLRT_CONSOLE_).

The console owns no database and no topic: it is a backend-for-frontend that calls the four
services' public HTTP APIs with the signed-in user's token. It shares the services' settings
base for the token verifier and telemetry; the broker and database fields stay unused.
"""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_CONSOLE_", extra="ignore")

    service_name: str = "console"
    http_port: int = 8000

    intake_url: str = "http://127.0.0.1:8001"
    registry_url: str = "http://127.0.0.1:8002"
    referral_url: str = "http://127.0.0.1:8003"
    notification_url: str = "http://127.0.0.1:8004"
    backend_timeout_s: float = 10.0

    # Sign-in. Embedded default: the development issuer's key folder (the console signs tokens
    # for the persona chosen on the sign-in page). Production: an OIDC provider
    # (authorization code flow with PKCE); set oidc_issuer and leave dev_keys_dir unset.
    dev_keys_dir: Path | None = None
    oidc_issuer: str | None = None  # e.g. https://sso.example.go.id/realms/slrt
    oidc_client_id: str = "slrt-console"
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile"
    public_url: str = "http://127.0.0.1:8000"  # where the provider sends the user back

    # The session cookie carries the user's access token; Secure when served over HTTPS.
    cookie_secure: bool = False
    default_language: str = "id"

    # Operator view: a link to the trace of a case in the trace UI ({trace_id} is filled in).
    trace_url_template: str = "http://127.0.0.1:16686/trace/{trace_id}"
