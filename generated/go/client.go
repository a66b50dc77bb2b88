// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersyncwriteapi

import (
	"context"
	"net/http"
)

// ClientOptions are the settings of a Client.
type ClientOptions struct {
	// BaseURL is the server's base URL (`https://api.example.com`); operation
	// paths are appended to it.
	BaseURL string
	// HTTPClient sends the requests (default: http.DefaultClient).
	HTTPClient *http.Client
	// Credentials are the client's credentials, one source per security scheme.
	Credentials ClientCredentials
	// Header holds headers sent with every request.
	Header http.Header
}

// ClientCredentials are the client's credential sources, one per security
// scheme of the spec; a nil one sends nothing for its scheme.
type ClientCredentials struct {
	// BearerAuth is for the scheme "bearerAuth".
	BearerAuth CredentialSource
}

func (c ClientCredentials) sources() map[string]CredentialSource {
	return map[string]CredentialSource{
		"bearerAuth": c.BearerAuth,
	}
}

// Client is a typed client of PowerSync Write API. A method returns the typed response
// of a status the spec lists; an *UnexpectedResponseError for another status,
// an *InvalidResponseError for a body that does not match the spec, an
// *InvalidRequestError for a request that cannot be written, or the HTTP
// client's error.
type Client struct {
	transport *transport
}

// NewClient is a client for the server at options.BaseURL.
func NewClient(options ClientOptions) (*Client, error) {
	t, err := newTransport(options.BaseURL, options.HTTPClient, options.Header, options.Credentials.sources())
	if err != nil {
		return nil, err
	}
	return &Client{transport: t}, nil
}

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
func (c *Client) UploadData(ctx context.Context, request UploadDataRequest) (UploadDataResponse, error) {
	got, err := c.transport.call(ctx, operationUploadData, []any{}, request.Body, true)
	if err != nil {
		return nil, err
	}
	switch got.status {
	case 200:
		var r UploadData200Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 400:
		var r UploadData400Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 401:
		var r UploadData401Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 403:
		var r UploadData403Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 413:
		var r UploadData413Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 415:
		var r UploadData415Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 429:
		var r UploadData429Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		if err := got.headerValue(0, &r.Headers.RetryAfter); err != nil {
			return nil, err
		}
		return r, nil
	case 500:
		var r UploadData500Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 503:
		var r UploadData503Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		if err := got.headerValue(0, &r.Headers.RetryAfter); err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, got.unexpected()
}

// Health: Liveness probe
//
// Answers `200` while the process is running and able to serve HTTP, without
// touching the database. Use it to decide whether to restart the process, not
// whether to send it traffic (use `/ready` for that). Needs no credentials.
//
// `GET /health` (`health`).
func (c *Client) Health(ctx context.Context) (HealthResponse, error) {
	got, err := c.transport.call(ctx, operationHealth, []any{}, nil, false)
	if err != nil {
		return nil, err
	}
	switch got.status {
	case 200:
		var r Health200Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, got.unexpected()
}

// Ready: Readiness probe
//
// Answers `200` when the backend can accept uploads (in particular, its database
// is reachable and holds the backend's own tables at the version it needs),
// `503` otherwise. Load balancers should route uploads only to ready instances.
// Needs no credentials.
//
// `GET /ready` (`ready`).
func (c *Client) Ready(ctx context.Context) (ReadyResponse, error) {
	got, err := c.transport.call(ctx, operationReady, []any{}, nil, false)
	if err != nil {
		return nil, err
	}
	switch got.status {
	case 200:
		var r Ready200Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		return r, nil
	case 503:
		var r Ready503Response
		if err := got.decode(&r.Body); err != nil {
			return nil, err
		}
		if err := got.headerValue(0, &r.Headers.RetryAfter); err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, got.unexpected()
}
