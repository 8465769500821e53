"""A local fake of IAM Identity Center: the OIDC API (``sso-oidc``) and the portal API
(``sso``), on 127.0.0.1, spoken in their real wire protocol (restJson) so that the real
boto3 clients talk to it through ``endpoint_url``. moto has neither API.

A test scripts the answers to CreateToken polls (``pending``, ``slow_down``, ``expired``,
``denied``, then ``approve`` to hand out a token) and reads what was asked
(``calls``). Role credentials are made up; moto accepts any keys.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"

# CreateToken's scripted answers, besides "approve".
_ERRORS = {
    "pending": ("AuthorizationPendingException", "authorization_pending"),
    "slow_down": ("SlowDownException", "slow_down"),
    "expired": ("ExpiredTokenException", "expired_token"),
    "denied": ("AccessDeniedException", "access_denied"),
}


@dataclass
class FakeAccount:
    account_id: str
    name: str
    roles: list[str]


@dataclass
class FakeIdentityCenter:
    """The fake's state; tests change it between calls."""

    start_url: str = "https://example.awsapps.com/start"
    token_lifetime_s: int = 3600
    interval_s: int = 1
    device_lifetime_s: int = 600
    accounts: list[FakeAccount] = field(
        default_factory=lambda: [
            FakeAccount("123456789012", "Acme production", ["KeyAdmin", "ReadOnly"]),
            FakeAccount("210987654321", "Acme staging", ["KeyAdmin"]),
        ]
    )
    # What each CreateToken poll answers, in order; empty: "approve".
    script: deque[str] = field(default_factory=deque)
    calls: list[str] = field(default_factory=list)
    clients: dict[str, str] = field(default_factory=dict)  # client id -> secret
    devices: dict[str, str] = field(default_factory=dict)  # device code -> client id
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    refresh_allowed: bool = True
    spent_tokens: list[str] = field(default_factory=list)  # refreshed or logged out
    issued_keys: list[str] = field(default_factory=list)  # access key ids handed out
    issued_secrets: list[str] = field(default_factory=list)  # their secrets and tokens
    credential_lifetime_s: int = 3600
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *answers: str) -> None:
        self.script.extend(answers)

    def secrets_seen(self) -> list[str]:
        """Every secret the fake handed out: tokens, client secrets, role credentials."""
        return [
            *self.access_tokens,
            *self.refresh_tokens,
            *self.spent_tokens,
            *self.clients.values(),
            *self.issued_secrets,
        ]

    def count(self, call: str) -> int:
        return sum(1 for c in self.calls if c == call)

    def revoke_all_tokens(self) -> None:
        self.access_tokens.clear()


class _Fail(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.code = code
        self.message = message


def _unauthorized() -> _Fail:
    return _Fail(401, "UnauthorizedException", "", "Session token not found or invalid")


class _Handler(BaseHTTPRequestHandler):
    state: FakeIdentityCenter  # set on a subclass per server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any], error_type: str = "") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-ErrorType", f"{error_type}:")
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if method == "POST" else {}
        bearer = self.headers.get("x-amz-sso_bearer_token", "")
        route = {
            ("POST", "/client/register"): self._register,
            ("POST", "/device_authorization"): self._start,
            ("POST", "/token"): self._token,
            ("GET", "/assignment/accounts"): self._accounts,
            ("GET", "/assignment/roles"): self._roles,
            ("GET", "/federation/credentials"): self._credentials,
            ("POST", "/logout"): self._logout,
        }.get((method, parts.path))
        if route is None:
            self._reply(404, {"message": f"no route {method} {parts.path}"}, "NotFound")
            return
        state = self.state
        try:
            with state.lock:
                state.calls.append(route.__name__.lstrip("_"))
                answer = route(body, query, bearer)
        except _Fail as fail:
            payload: dict[str, Any] = {"message": fail.message}
            if fail.code:
                payload = {"error": fail.code, "error_description": fail.message}
            self._reply(fail.status, payload, fail.error_type)
            return
        self._reply(200, answer)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # --- sso-oidc ---------------------------------------------------------------

    def _register(self, body: dict[str, Any], query: dict[str, str], bearer: str) -> dict[str, Any]:
        if body.get("clientType") != "public" or not body.get("clientName"):
            raise _Fail(400, "InvalidClientMetadataException", "invalid_client_metadata", "bad")
        client_id = "client-" + secrets.token_hex(6)
        client_secret = "clientsecret-" + secrets.token_hex(16)
        self.state.clients[client_id] = client_secret
        now = int(time.time())
        return {
            "clientId": client_id,
            "clientSecret": client_secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + 90 * 86400,
        }

    def _client(self, body: dict[str, Any]) -> str:
        client_id = str(body.get("clientId", ""))
        if self.state.clients.get(client_id) != body.get("clientSecret"):
            raise _Fail(401, "InvalidClientException", "invalid_client", "Unknown client")
        return client_id

    def _start(self, body: dict[str, Any], query: dict[str, str], bearer: str) -> dict[str, Any]:
        client_id = self._client(body)
        if body.get("startUrl") != self.state.start_url:
            raise _Fail(400, "InvalidRequestException", "invalid_request", "Unknown start URL")
        device = "device-" + secrets.token_hex(8)
        self.state.devices[device] = client_id
        code = "WXYZ-" + secrets.token_hex(2).upper()
        return {
            "deviceCode": device,
            "userCode": code,
            "verificationUri": "https://device.sso.example.amazonaws.com/",
            "verificationUriComplete": f"https://device.sso.example.amazonaws.com/?user_code={code}",
            "expiresIn": self.state.device_lifetime_s,
            "interval": self.state.interval_s,
        }

    def _issue(self) -> dict[str, Any]:
        access = "ssoaccess-" + secrets.token_hex(16)
        refresh = "ssorefresh-" + secrets.token_hex(16)
        self.state.access_tokens.add(access)
        self.state.refresh_tokens.add(refresh)
        return {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": self.state.token_lifetime_s,
            "refreshToken": refresh,
        }

    def _token(self, body: dict[str, Any], query: dict[str, str], bearer: str) -> dict[str, Any]:
        client_id = self._client(body)
        grant = body.get("grantType")
        if grant == REFRESH_GRANT:
            token = str(body.get("refreshToken", ""))
            if not self.state.refresh_allowed or token not in self.state.refresh_tokens:
                raise _Fail(400, "InvalidGrantException", "invalid_grant", "Invalid refresh token")
            self.state.refresh_tokens.discard(token)
            self.state.spent_tokens.append(token)
            return self._issue()
        if grant != DEVICE_GRANT:
            raise _Fail(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "grant")
        if self.state.devices.get(str(body.get("deviceCode"))) != client_id:
            raise _Fail(400, "InvalidGrantException", "invalid_grant", "Unknown device code")
        step = self.state.script.popleft() if self.state.script else "approve"
        if step in _ERRORS:
            error_type, code = _ERRORS[step]
            raise _Fail(400, error_type, code, step.replace("_", " "))
        del self.state.devices[str(body["deviceCode"])]
        return self._issue()

    # --- the portal (sso) -------------------------------------------------------

    def _bearer(self, bearer: str) -> None:
        if bearer not in self.state.access_tokens:
            raise _unauthorized()

    def _accounts(self, body: dict[str, Any], query: dict[str, str], bearer: str) -> dict[str, Any]:
        self._bearer(bearer)
        return {
            "accountList": [
                {"accountId": a.account_id, "accountName": a.name, "emailAddress": "it@example.com"}
                for a in self.state.accounts
            ]
        }

    def _account(self, account_id: str) -> FakeAccount:
        for account in self.state.accounts:
            if account.account_id == account_id:
                return account
        raise _Fail(403, "ForbiddenException", "", "No access")

    def _roles(self, body: dict[str, Any], query: dict[str, str], bearer: str) -> dict[str, Any]:
        self._bearer(bearer)
        account = self._account(query.get("account_id", ""))
        return {
            "roleList": [{"roleName": r, "accountId": account.account_id} for r in account.roles]
        }

    def _credentials(
        self, body: dict[str, Any], query: dict[str, str], bearer: str
    ) -> dict[str, Any]:
        self._bearer(bearer)
        account = self._account(query.get("account_id", ""))
        if query.get("role_name") not in account.roles:
            raise _Fail(403, "ForbiddenException", "", "No access")
        key = "ASIA" + secrets.token_hex(8).upper()
        secret = "portalsecret-" + secrets.token_hex(16)
        token = "portaltoken-" + secrets.token_hex(24)
        self.state.issued_keys.append(key)
        self.state.issued_secrets.extend([secret, token])
        return {
            "roleCredentials": {
                "accessKeyId": key,
                "secretAccessKey": secret,
                "sessionToken": token,
                "expiration": int((time.time() + self.state.credential_lifetime_s) * 1000),
            }
        }

    def _logout(self, body: dict[str, Any], query: dict[str, str], bearer: str) -> dict[str, Any]:
        self.state.access_tokens.discard(bearer)
        self.state.spent_tokens.append(bearer)
        return {}


class FakeIdentityCenterServer:
    """The fake on a free port; ``url`` is the endpoint for both clients."""

    def __init__(self, state: FakeIdentityCenter | None = None) -> None:
        self.state = state or FakeIdentityCenter()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-identity-center", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeIdentityCenterServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
