-- wrk script: POST a client-credentials token request (client_secret_basic, one scope).
-- Environment: TOKEN_BASIC (base64 of "id:secret"), TOKEN_SCOPE.
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=" .. os.getenv("TOKEN_SCOPE")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("TOKEN_BASIC")
