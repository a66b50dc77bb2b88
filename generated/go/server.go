// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersyncwriteapi

import (
	"context"
	"net/http"
)

// Server is the strict server of PowerSync Write API: one method per operation. Each
// gets its typed, already validated request and returns one of its typed
// responses, or an error: an *HTTPError is answered as it says, any other
// error with 500 (and Options.OnError).
type Server interface {
	// Authenticate checks the credentials of a request to an operation that
	// requires them: it returns who made it and true, or false to refuse it
	// (401). Missing or malformed credentials are refused without calling it.
	// Refuse a token that does not grant every scope in credentials.Scopes. When
	// an operation accepts several schemes, each credential found is tried in
	// the spec's order until one is accepted. The principal is then
	// PrincipalFrom(ctx) in the operation's method.
	Authenticate(ctx context.Context, credentials Credentials) (principal any, ok bool, err error)
	// UploadData: Upload a batch of queued local transactions
	//
	// Applies each transaction of the batch atomically, in order, and answers one
	// result per transaction. The reply to a batch that was processed is always `200`,
	// whatever happened to the individual transactions: read `results`. Within a
	// batch, the backend stops at the first transaction that ends in
	// `retryable_error` (later ones are `not_attempted`); after a `fatal_error` it
	// either stops the same way or, under a skip policy, goes on with the next
	// transaction.
	//
	// `POST /api/data` (`uploadData`).
	UploadData(ctx context.Context, request UploadDataReceivedRequest) (UploadDataResponse, error)
	// Health: Liveness probe
	//
	// Answers `200` while the process is running and able to serve HTTP, without
	// touching the database. Use it to decide whether to restart the process, not
	// whether to send it traffic (use `/ready` for that). Needs no credentials.
	//
	// `GET /health` (`health`).
	Health(ctx context.Context) (HealthResponse, error)
	// Ready: Readiness probe
	//
	// Answers `200` when the backend can accept uploads (in particular, its database
	// is reachable and holds the backend's own tables at the version it needs),
	// `503` otherwise. Load balancers should route uploads only to ready instances.
	// Needs no credentials.
	//
	// `GET /ready` (`ready`).
	Ready(ctx context.Context) (ReadyResponse, error)
}

// Handler serves impl on net/http. Unknown paths answer 404, a known path with
// another method 405 (with Allow); an operation that requires credentials
// answers 401 without calling impl when they are missing or Authenticate
// refuses them; then 415, 413 and 400 (with the paths of the first
// MaxViolations violations and the count of the others) before impl sees the
// request. Every such answer is the JSON body {code, message, violations?,
// violations_omitted?}.
func Handler(impl Server, options Options) http.Handler {
	return serve(options, impl.Authenticate, []route{
		{spec: operationUploadData, invoke: func(ctx context.Context, in *decoded) (Response, error) {
			var request UploadDataReceivedRequest
			if err := in.decodeBody(&request.Body); err != nil {
				return nil, err
			}
			response, err := impl.UploadData(ctx, request)
			if err != nil || response == nil {
				return nil, err
			}
			return response, nil
		}},
		{spec: operationHealth, invoke: func(ctx context.Context, in *decoded) (Response, error) {
			response, err := impl.Health(ctx)
			if err != nil || response == nil {
				return nil, err
			}
			return response, nil
		}},
		{spec: operationReady, invoke: func(ctx context.Context, in *decoded) (Response, error) {
			response, err := impl.Ready(ctx)
			if err != nil || response == nil {
				return nil, err
			}
			return response, nil
		}},
	})
}
