"""Bearer-token access: who is calling, in which role, for which region or agency.

Tokens are RS256 JWTs (OIDC-compatible). The embedded default signs them with a development key
pair kept in the data folder (`DevTokenIssuer`); production verifies against the identity
provider's JWKS. Services only ever see a `Principal` and filter every query by its scope.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, HTTPException, Request, status
from jwt.algorithms import RSAAlgorithm

from slrt.settings import ServiceSettings

ALGORITHM = "RS256"  # the only algorithm accepted: no HS256/none confusion possible
REQUIRED_CLAIMS = ["exp", "iat", "sub"]
PRIVATE_KEY_FILE = "dev-token-private.pem"
PUBLIC_KEY_FILE = "dev-token-public.pem"
_REGION = re.compile(r"^\d*$")  # plain Kemendagri digits; "" = national


class Role(StrEnum):
    PUSKESOS_OPERATOR = "puskesos_operator"
    FRONT_OFFICE = "front_office"
    BACK_OFFICE = "back_office"
    AGENCY_OFFICER = "agency_officer"
    MANAGER = "manager"
    PROVINCE_COORDINATOR = "province_coordinator"
    NATIONAL_ADMIN = "national_admin"
    OPERATOR = "operator"  # on-call engineer: operations, not case work


# Roles that coordinate agencies inside their region and may record an agency's answer for it
# (e.g. taken by phone). An agency officer acts only for its own agency.
_AGENCY_COORDINATORS = frozenset(
    {Role.BACK_OFFICE, Role.MANAGER, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN}
)


class AuthError(Exception):
    """A token was refused; the message says why (safe to return to the caller)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller and its scope."""

    subject: str
    role: Role
    region: str = ""  # Kemendagri code prefix, plain digits; "" = national
    agency_id: str | None = None

    @property
    def is_national(self) -> bool:
        return self.region == ""

    def can_see_region(self, code: str) -> bool:
        """True when `code` (a region or village code) lies inside this principal's region."""
        return code.replace(".", "").strip().startswith(self.region)

    def can_act_for_agency(self, agency_id: str | None) -> bool:
        """True when this principal may act on behalf of `agency_id` (e.g. answer a referral)."""
        if agency_id is None:
            return False
        if self.agency_id is not None:
            return self.agency_id == agency_id
        return self.role in _AGENCY_COORDINATORS


# --- development issuer ------------------------------------------------------------------


def ensure_dev_keys(folder: Path) -> tuple[Path, Path]:
    """Create the development RSA key pair in `folder` once; return (private, public) paths.

    Safe when several processes start together: the private key is linked into place only if
    absent, so every process ends up using the same key.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = folder / f".{PRIVATE_KEY_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        try:
            os.link(tmp, private_path)  # atomic and never overwrites a key another process made
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if not public_path.exists():
        key = _load_private_key(private_path.read_bytes())
        tmp = folder / f".{PUBLIC_KEY_FILE}.{os.getpid()}.tmp"
        tmp.write_bytes(_public_pem(key.public_key()))
        os.replace(tmp, public_path)  # same content whoever wins
    return private_path, public_path


def _load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the token signing key must be an RSA key")
    return key


def _public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: rsa.RSAPublicKey) -> str:
    """A stable `kid` for a public key: base64url SHA-256 of its DER form, shortened."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DevTokenIssuer:
    """Signs tokens with the development key (embedded default and tests only)."""

    def __init__(
        self,
        private_key_pem: bytes,
        *,
        issuer: str = "slrt-dev",
        audience: str = "slrt",
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._key = _load_private_key(private_key_pem)
        self.kid = key_id(self._key.public_key())
        self.issuer, self.audience, self._clock = issuer, audience, clock

    @classmethod
    def from_folder(cls, folder: Path, **kwargs: Any) -> DevTokenIssuer:
        private_path, _ = ensure_dev_keys(folder)
        return cls(private_path.read_bytes(), **kwargs)

    @property
    def public_key_pem(self) -> bytes:
        return _public_pem(self._key.public_key())

    def jwks(self) -> dict[str, Any]:
        """The public key as a JWKS document, for a development `/.well-known/jwks.json`."""
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig", alg=ALGORITHM)
        return {"keys": [jwk]}

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Sign raw claims as they are (no checks): for tests of refused tokens."""
        return jwt.encode(dict(claims), self._key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def issue(
        self,
        role: Role | str,
        region: str = "",
        agency_id: str | None = None,
        *,
        subject: str | None = None,
        ttl: dt.timedelta = dt.timedelta(hours=8),
    ) -> str:
        """A token for `role` scoped to `region` (and `agency_id` for agency officers)."""
        role = Role(role)
        if role is Role.AGENCY_OFFICER and not agency_id:
            raise ValueError("an agency_officer token needs an agency_id")
        if not _REGION.match(region):
            raise ValueError(f"region must be plain digits, got {region!r}")
        now = self._clock()
        claims: dict[str, Any] = {
            "sub": subject or f"dev-{role.value}",
            "role": role.value,
            "region": region,
            "agency": agency_id,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        return self.sign(claims)


# --- verification --------------------------------------------------------------------------


_VERIFIED_CACHE_SIZE = 10_000


class TokenVerifier:
    """Checks signature, issuer, audience and lifetime, then reads the SLRT claims."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key_pem: bytes | None = None,
        jwks_url: str | None = None,
        leeway_s: float = 30.0,
    ) -> None:
        if (public_key_pem is None) == (jwks_url is None):
            raise ValueError("give exactly one of public_key_pem or jwks_url")
        self._key: rsa.RSAPublicKey | None = None
        self._jwks: jwt.PyJWKClient | None = None
        if public_key_pem is not None:
            key = serialization.load_pem_public_key(public_key_pem)
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValueError("the token verification key must be an RSA public key")
            self._key = key
        else:
            self._jwks = jwt.PyJWKClient(str(jwks_url), cache_keys=True, lifespan=300)
        self.issuer, self.audience, self.leeway_s = issuer, audience, leeway_s
        # token -> (principal, exp, nbf). An operator sends the same token all day, and the
        # RSA signature check is the dearest step of a request's authentication; lifetime is
        # still checked on every use. Bounded: oldest entries go first.
        self._verified: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()
        self._verified_lock = threading.Lock()  # JWKS verification runs in worker threads

    @classmethod
    def from_public_key_file(cls, path: Path, *, issuer: str, audience: str) -> TokenVerifier:
        return cls(issuer=issuer, audience=audience, public_key_pem=path.read_bytes())

    @property
    def fetches_keys(self) -> bool:
        """True when verifying may fetch keys over the network (JWKS)."""
        return self._jwks is not None

    @classmethod
    def from_jwks_url(cls, url: str, *, issuer: str, audience: str) -> TokenVerifier:
        return cls(issuer=issuer, audience=audience, jwks_url=url)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenVerifier:
        """JWKS when configured (production), else the public key file (embedded default)."""
        names = {"issuer": settings.auth_issuer, "audience": settings.auth_audience}
        if settings.auth_jwks_url:
            return cls.from_jwks_url(settings.auth_jwks_url, **names)
        if settings.auth_public_key_file is None:
            raise ValueError("configure auth_jwks_url or auth_public_key_file")
        return cls.from_public_key_file(settings.auth_public_key_file, **names)

    def _signing_key(self, token: str) -> Any:
        if self._key is not None:
            return self._key
        assert self._jwks is not None
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise AuthError(f"no signing key for this token: {exc}") from exc
        except jwt.DecodeError as exc:
            raise AuthError("malformed token") from exc

    def verify(self, token: str) -> Principal:
        """The principal carried by `token`, or `AuthError` saying why it is refused."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires, not_before = known
            if not_before - self.leeway_s <= time.time() < expires + self.leeway_s:
                return principal
        # Not seen, expired or not yet valid: decode checks everything and says why.
        principal, expires, not_before = self._decode(token)
        with self._verified_lock:
            self._verified[token] = (principal, expires, not_before)
            if len(self._verified) > _VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float, float]:
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("wrong audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError("wrong issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("bad signature") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"missing {exc.claim} claim") from exc
        except jwt.InvalidAlgorithmError as exc:
            raise AuthError(f"algorithm not allowed (only {ALGORITHM})") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthError("token not valid yet") from exc
        except jwt.DecodeError as exc:
            raise AuthError("malformed token") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        return (principal_from_claims(claims), float(claims["exp"]),
                float(claims.get("nbf", 0)))


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Read the SLRT claims (role, region, agency) of an already verified token."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise AuthError("sub claim must be a non-empty string")
    if "role" not in claims:
        raise AuthError("missing role claim")
    try:
        role = Role(claims["role"])
    except ValueError:
        raise AuthError(f"unknown role {claims['role']!r}") from None
    if "region" not in claims:
        raise AuthError("missing region claim")
    region = claims["region"]
    if not isinstance(region, str) or not _REGION.match(region):
        raise AuthError("region claim must be plain digits ('' for national)")
    agency = claims.get("agency")
    if agency is not None and (not isinstance(agency, str) or not agency):
        raise AuthError("agency claim must be a non-empty string")
    if role is Role.AGENCY_OFFICER and agency is None:
        raise AuthError("agency_officer token without agency claim")
    return Principal(subject=subject, role=role, region=region, agency_id=agency)


# --- FastAPI -------------------------------------------------------------------------------

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=_CHALLENGE)


async def bearer_principal(request: Request) -> Principal:
    """Dependency: the caller's principal from `Authorization: Bearer <jwt>`.

    With a JWKS URL the check runs in a worker thread, so a key fetch (blocking HTTP inside
    PyJWKClient) never stalls the event loop; with a local key it runs inline (no thread hop).
    """
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("app.state.token_verifier is not set (wire it in the lifespan)")
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("missing bearer token")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("Authorization header must be 'Bearer <token>'")
    try:
        if verifier.fetches_keys:
            principal = await asyncio.to_thread(verifier.verify, token)
        else:
            principal = verifier.verify(token)
    except AuthError as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc
    request.state.principal = principal  # for audit logging further down the request
    return principal


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the principal, or 403 unless its role is one of `roles`.

    Usage: `Annotated[Principal, Depends(require_roles(Role.MANAGER))]`.
    """
    if not roles:
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    async def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role.value} is not allowed here; allowed roles: {names}",
            )
        return principal

    return dependency
