// A real OpenID provider for ecert's OIDC sign-in tests: panva's certified `oidc-provider`,
// listening on loopback. It stands in for a government service app (爱山东 and the like).
//
// Configured by one environment variable, ECERT_TEST_OIDC (JSON):
//   { "port": 0, "client_id": "...", "client_secret": "...", "redirect_uris": ["..."],
//     "accounts": { "<login typed on its sign-in form>": { "<claim>": <value>, ... } },
//     "claims_in_id_token": false }
// With claims_in_id_token the granted claims go into the ID token and there is no userinfo
// endpoint; without it (the package's default) the ID token carries `sub` and the claims come
// from userinfo.
// Any password is accepted (the package's development sign-in and consent pages). Once it listens
// it prints one line, `ready <issuer URL>`, and runs until it is sent SIGTERM.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.ECERT_TEST_OIDC ?? '{}');
const host = '127.0.0.1';

// A signing key made for this run: nothing to keep, nothing shared between runs.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-run', use: 'sig', alg: 'RS256' };

function configuration() {
  return {
    clients: [
      {
        client_id: settings.client_id,
        client_secret: settings.client_secret,
        redirect_uris: settings.redirect_uris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // The ID number comes with a scope of its own, as a government provider would grant it.
    scopes: ['openid', 'profile', 'id_card'],
    claims: {
      openid: ['sub'],
      profile: ['name'],
      id_card: ['id_number', 'id_number_verified'],
    },
    pkce: { required: () => true },
    conformIdTokenClaims: !settings.claims_in_id_token,
    features: {
      devInteractions: { enabled: true },
      userinfo: { enabled: !settings.claims_in_id_token },
    },
    async findAccount(_ctx, accountId) {
      const claims = settings.accounts?.[accountId];
      if (claims === undefined) {
        return undefined;
      }
      return {
        accountId,
        async claims() {
          return { sub: accountId, ...claims };
        },
      };
    },
  };
}

// The issuer URL needs the port, and the port is known once the server listens.
const probe = (await import('node:net')).createServer();
await new Promise((resolve) => probe.listen(settings.port ?? 0, host, resolve));
const { port } = probe.address();
await new Promise((resolve) => probe.close(resolve));

const issuer = `http://${host}:${port}`;
const provider = new Provider(issuer, configuration());
const server = provider.listen(port, host, () => {
  process.stdout.write(`ready ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
