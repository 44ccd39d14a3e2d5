-- Issue 20 (flat at scale): every order event reads the scopes of its partner's clients
-- (`clients::scopes_of_partner`), which was a full scan of oauth_clients.
CREATE INDEX oauth_clients_partner ON oauth_clients (partner_id);
