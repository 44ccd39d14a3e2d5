// node-oidc-provider with one confidential client for the client-credentials grant
// (client_secret_basic, one scope), in memory. Started by bench/peers/run.sh:
//   node oidc-provider.mjs PORT CLIENT_ID CLIENT_SECRET SCOPE
// Prints "oidc-provider listening on http://127.0.0.1:PORT" once it accepts connections.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, scope] = process.argv.slice(2);
if (!port || !clientId || !clientSecret || !scope) {
  console.error('usage: node oidc-provider.mjs PORT CLIENT_ID CLIENT_SECRET SCOPE');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope,
    },
  ],
  scopes: [scope],
  // gobiz's default access-token lifetime.
  ttl: { ClientCredentials: 3599 },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
});
const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
