// A real authorization server for the OAuth interop test: panva's
// oidc-provider (OpenID Certified) on 127.0.0.1:$PORT with the client
// credentials grant, resource indicators (RFC 8707) and introspection.
//
// Clients (all client_secret_basic, grant client_credentials):
//   jwt-client      JWT access tokens (RS256) for the requested resource
//   short-client    the same, valid for 1 s (expiry tests)
//   opaque-client   opaque access tokens for $RESOURCE (introspection tests)
//   introspector    the resource server's own credentials for introspection
// Revocation is on, so a test can revoke an opaque token before using it.
//
// Resources: $RESOURCE (the server under test) and $OTHER_RESOURCE
// (another API: its tokens must be refused for the wrong audience).
import crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.PORT);
const resource = process.env.RESOURCE;
const otherResource = process.env.OTHER_RESOURCE;
if (!port || !resource || !otherResource) {
  console.error('set PORT, RESOURCE and OTHER_RESOURCE');
  process.exit(2);
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'interop-rsa-1', alg: 'RS256', use: 'sig' };

const client = (id, extra = {}) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'read admin',
  ...extra,
});

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    client('jwt-client'),
    client('short-client'),
    client('opaque-client'),
    {
      client_id: 'introspector',
      client_secret: 'introspector-secret',
      grant_types: [],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: ['read', 'admin'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator, oidcClient) => {
        if (indicator !== resource && indicator !== otherResource) {
          throw new errors.InvalidTarget();
        }
        const opaque = oidcClient.clientId === 'opaque-client';
        return {
          scope: 'read admin',
          audience: indicator,
          accessTokenTTL: oidcClient.clientId === 'short-client' ? 1 : 600,
          accessTokenFormat: opaque ? 'opaque' : 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on http://127.0.0.1:${port}`);
});
