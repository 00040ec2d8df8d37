"""A tiny OpenID provider on loopback for the sign-in tests (standard library + PyJWT/cryptography).

Endpoints, no discovery: /authorize redirects back with a code and the state, /token answers an
RS256 ID token, /jwks the public key, /userinfo the claims. The test sets `claims` (what the person
is at the provider) before each sign-in; `token_key` signs the ID token and may be swapped for a key
the JWKS does not publish.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "test-key-1"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OidcProvider:
    def __init__(self, client_id="helpdesk", client_secret="s3cret"):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = new_key()  # published in /jwks
        self.token_key = self.key  # signs the ID token
        self.claims = {}  # sub, email, email_verified… of the person signing in
        self.userinfo_claims = None  # None: same as the ID token's person claims
        self._codes, self._tokens = {}, {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = self.base
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def django_settings(self):
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.base}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.base}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.base}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.base}/jwks",
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_RP_SCOPES": "openid email",
            "OIDC_TIMEOUT": 5,
        }

    def id_token(self, nonce, claims):
        now = int(time.time())
        body = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce, **claims}
        return jwt.encode(body, self.token_key, algorithm="RS256", headers={"kid": KID})

    def _handler(self):
        op = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    if q.get("client_id") != op.client_id or q.get("response_type") != "code":
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    op._codes[code] = {"nonce": q.get("nonce"), "redirect_uri": q["redirect_uri"], "claims": dict(op.claims)}
                    self.send_response(302)
                    self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif url.path == "/jwks":
                    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(op.key.public_key(), as_dict=True)
                    self._json(200, {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]})
                elif url.path == "/userinfo":
                    claims = op._tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                    if claims is None:
                        return self._json(401, {"error": "invalid_token"})
                    self._json(200, claims if op.userinfo_claims is None else op.userinfo_claims)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                if urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                grant = op._codes.pop(form.get("code", ""), None)
                if (
                    grant is None
                    or form.get("client_id") != op.client_id
                    or form.get("client_secret") != op.client_secret
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    return self._json(400, {"error": "invalid_grant"})
                access = secrets.token_urlsafe(16)
                op._tokens[access] = grant["claims"]
                id_token = op.id_token(grant["nonce"], grant["claims"])
                self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

        return Handler
