// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

// Every operation of the spec: its typed request and per-status responses,
// shared by the server handler and the client, and the description both run on.

package powersyncwriteapi

// securitySchemes are the spec's security schemes, by name.
var securitySchemes = map[string]securitySchemeSpec{
	"bearerAuth": {kind: "bearer"},
}

// UploadDataRequest is the request of UploadData.
type UploadDataRequest struct {
	// The transactions to apply, oldest first, 1 to 50 per request.
	// The required body.
	Body WriteBatch
}

// UploadDataReceivedRequest is the request of UploadData as the server
// hands it to the implementation: the items of its per-item arrays are each
// checked on their own (`x-per-item-validation`), so an invalid one arrives with
// its violations instead of refusing the request.
type UploadDataReceivedRequest struct {
	// The transactions to apply, oldest first, 1 to 50 per request.
	// The required body.
	Body UploadDataReceivedBody
}

// UploadDataReceivedBody is the body of UploadData as the server received it.
type UploadDataReceivedBody struct {
	// The PowerSync client id of the local database the writes come from (the
	// SDK's `getClientId()`). Send it whenever available: together with each
	// entry's `op_id` it lets the backend recognise a transaction it has already
	// applied (after a lost reply or a retry) and answer `success` with
	// `duplicate: true` instead of applying it twice. Omit the property rather
	// than sending `null`.
	ClientID *string `json:"client_id,omitempty"`
	// The transactions to apply, in upload-queue order (oldest first): 1 to 50
	// per request. Each is applied atomically; the reply has one result per
	// transaction, in this order.
	//
	// Each transaction is validated on its own (`x-per-item-validation`), so
	// that one malformed transaction (an `op` from a newer SDK, an empty
	// `table`, an `op_id` that is not an integer) cannot block the device's
	// queue: it gets a `fatal_error` result with error code `INVALID_REQUEST`
	// and its violations in `failed_operation.details.violations`, and the
	// other transactions are processed as usual. Only the envelope (a body
	// that is not an object, `transactions` missing, not an array, or not 1 to
	// 50 items) is answered `400`.
	//
	// Each item is checked on its own (`x-per-item-validation`): an invalid one arrives with its violations instead of refusing the request.
	Transactions []Checked[CrudTransaction] `json:"transactions"`
}

// UploadDataResponse is a response of UploadData, one type per status: UploadData200Response, UploadData400Response, UploadData401Response, UploadData403Response, UploadData413Response, UploadData415Response, UploadData429Response, UploadData500Response, UploadData503Response.
type UploadDataResponse interface {
	Response
	isUploadDataResponse()
}

// UploadData200Response is the 200 response of UploadData.
//
// The batch was processed. `results` has exactly one entry per transaction of
// the request, in the same order. Act on each result as described in
// `TransactionResult`, in order.
type UploadData200Response struct {
	Body WriteBatchResponse
}

func (UploadData200Response) isUploadDataResponse() {}

func (r UploadData200Response) reply() reply {
	return reply{status: 200, body: r.Body, hasBody: true}
}

// UploadData400Response is the 400 response of UploadData.
//
// The body's envelope is not a valid `WriteBatch`: malformed JSON, not an
// object, `transactions` missing or not an array, or not 1 to 50
// transactions. (A malformed transaction inside a valid envelope is not a
// `400`: it gets its own `fatal_error` result, see `WriteBatch.transactions`.)
// `violations` lists the problems found in the whole body, at most the first
// 100, and `violations_omitted` counts the others. Nothing was applied.
// Sending the same body again fails again: if the number of transactions was
// exceeded, send fewer transactions per request; otherwise this is a client
// bug, so report it to the app (error hook, logs) and stop uploading instead
// of retrying in a loop.
type UploadData400Response struct {
	Body ErrorResponse
}

func (UploadData400Response) isUploadDataResponse() {}

func (r UploadData400Response) reply() reply {
	return reply{status: 400, body: r.Body, hasBody: true}
}

// UploadData401Response is the 401 response of UploadData.
//
// The bearer token is missing, malformed, expired or not accepted. Nothing was
// applied. Fetch fresh credentials and send the same batch again; if a fresh
// token is refused too, tell the app (the user probably has to sign in again) and
// keep the queue intact.
type UploadData401Response struct {
	Body ErrorResponse
}

func (UploadData401Response) isUploadDataResponse() {}

func (r UploadData401Response) reply() reply {
	return reply{status: 401, body: r.Body, hasBody: true}
}

// UploadData403Response is the 403 response of UploadData.
//
// The token is valid but this user may not upload at all. Nothing was applied.
// Retrying will not help until the user's permissions change: keep the queue
// intact and tell the app. (A refusal of a single transaction is not a `403`: it
// is a `fatal_error` result with error code `UNAUTHORIZED`.)
type UploadData403Response struct {
	Body ErrorResponse
}

func (UploadData403Response) isUploadDataResponse() {}

func (r UploadData403Response) reply() reply {
	return reply{status: 403, body: r.Body, hasBody: true}
}

// UploadData413Response is the 413 response of UploadData.
//
// The body exceeds the backend's size limit. Nothing was applied. Send the same
// transactions again in smaller requests (fewer transactions each, never
// splitting a transaction). If a single transaction alone is too large, hand it
// to the app: it cannot be uploaded as it is.
type UploadData413Response struct {
	Body ErrorResponse
}

func (UploadData413Response) isUploadDataResponse() {}

func (r UploadData413Response) reply() reply {
	return reply{status: 413, body: r.Body, hasBody: true}
}

// UploadData415Response is the 415 response of UploadData.
//
// The request's `Content-Type` is not `application/json`. Nothing was applied.
// This is a client bug: send the body as JSON with `Content-Type:
// application/json`.
type UploadData415Response struct {
	Body ErrorResponse
}

func (UploadData415Response) isUploadDataResponse() {}

func (r UploadData415Response) reply() reply {
	return reply{status: 415, body: r.Body, hasBody: true}
}

// UploadData429Response is the 429 response of UploadData.
//
// Rate limited. Nothing was applied. Wait the number of seconds given by
// `Retry-After` (or, if it is absent or not an integer, the client's own back-off
// delay) and send the same batch again.
type UploadData429Response struct {
	Body    ErrorResponse
	Headers UploadData429ResponseHeaders
}

// UploadData429ResponseHeaders are the headers of UploadData429Response.
type UploadData429ResponseHeaders struct {
	// Seconds to wait before sending again. Sent by this protocol's backends on
	// every `429`; a proxy's reply may lack it, so clients fall back to their own
	// back-off delay.
	// The header `Retry-After`.
	RetryAfter *int32
}

func (UploadData429Response) isUploadDataResponse() {}

func (r UploadData429Response) reply() reply {
	return reply{status: 429, body: r.Body, hasBody: true, headers: []any{r.Headers.RetryAfter}}
}

// UploadData500Response is the 500 response of UploadData.
//
// An unexpected failure in the backend (a bug: every expected failure is
// reported per transaction in a `200` reply). Transactions before the failure may
// have been applied. Send the same batch again after a back-off delay, increasing
// the delay on repeated failures; with `client_id` and `op_id`s sent, already
// applied transactions come back as `success` with `duplicate: true`.
type UploadData500Response struct {
	Body ErrorResponse
}

func (UploadData500Response) isUploadDataResponse() {}

func (r UploadData500Response) reply() reply {
	return reply{status: 500, body: r.Body, hasBody: true}
}

// UploadData503Response is the 503 response of UploadData.
//
// The backend is not ready (starting, shutting down, or its database is
// unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
// an upload: nothing was applied; wait the number of seconds
// given by `Retry-After` (or the client's own back-off delay) and send the same
// batch again. For `/ready`: do not route uploads to this instance for now.
type UploadData503Response struct {
	Body    ErrorResponse
	Headers UploadData503ResponseHeaders
}

// UploadData503ResponseHeaders are the headers of UploadData503Response.
type UploadData503ResponseHeaders struct {
	// Seconds to wait before sending again. Optional: when absent, use the
	// client's own back-off delay.
	// The header `Retry-After`.
	RetryAfter *int32
}

func (UploadData503Response) isUploadDataResponse() {}

func (r UploadData503Response) reply() reply {
	return reply{status: 503, body: r.Body, hasBody: true, headers: []any{r.Headers.RetryAfter}}
}

// operationUploadData is UploadData as the server and the client run it.
var operationUploadData = &operationSpec{
	id:     "uploadData",
	method: "POST",
	path:   "/api/data",
	security: [][]securityUse{
		{{scheme: "bearerAuth", scopes: []string{}}},
	},
	body: &bodySpec{schema: mustSchema("{\"type\":\"ref\",\"name\":\"WriteBatch\"}"), required: true, contentType: "application/json", encoding: "json"},
	responses: map[int]*responseSpec{
		200: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"WriteBatchResponse\"}"), contentType: "application/json", encoding: "json"},
		400: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json"},
		401: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json"},
		403: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json"},
		413: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json"},
		415: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json"},
		429: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json", headers: []headerSpec{{name: "Retry-After", schema: mustSchema("{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":{\"value\":0,\"exclusive\":false}}")}}},
		500: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json"},
		503: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json", headers: []headerSpec{{name: "Retry-After", schema: mustSchema("{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":{\"value\":0,\"exclusive\":false}}")}}},
	},
}

// HealthResponse is a response of Health, one type per status: Health200Response.
type HealthResponse interface {
	Response
	isHealthResponse()
}

// Health200Response is the 200 response of Health.
//
// The process is alive.
type Health200Response struct {
	Body HealthStatus
}

func (Health200Response) isHealthResponse() {}

func (r Health200Response) reply() reply {
	return reply{status: 200, body: r.Body, hasBody: true}
}

// operationHealth is Health as the server and the client run it.
var operationHealth = &operationSpec{
	id:     "health",
	method: "GET",
	path:   "/health",
	responses: map[int]*responseSpec{
		200: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"HealthStatus\"}"), contentType: "application/json", encoding: "json"},
	},
}

// ReadyResponse is a response of Ready, one type per status: Ready200Response, Ready503Response.
type ReadyResponse interface {
	Response
	isReadyResponse()
}

// Ready200Response is the 200 response of Ready.
//
// The backend is ready to accept uploads.
type Ready200Response struct {
	Body HealthStatus
}

func (Ready200Response) isReadyResponse() {}

func (r Ready200Response) reply() reply {
	return reply{status: 200, body: r.Body, hasBody: true}
}

// Ready503Response is the 503 response of Ready.
//
// The backend is not ready (starting, shutting down, or its database is
// unreachable: `NOT_READY`) or holds as many batches as it can (`BUSY`). For
// an upload: nothing was applied; wait the number of seconds
// given by `Retry-After` (or the client's own back-off delay) and send the same
// batch again. For `/ready`: do not route uploads to this instance for now.
type Ready503Response struct {
	Body    ErrorResponse
	Headers Ready503ResponseHeaders
}

// Ready503ResponseHeaders are the headers of Ready503Response.
type Ready503ResponseHeaders struct {
	// Seconds to wait before sending again. Optional: when absent, use the
	// client's own back-off delay.
	// The header `Retry-After`.
	RetryAfter *int32
}

func (Ready503Response) isReadyResponse() {}

func (r Ready503Response) reply() reply {
	return reply{status: 503, body: r.Body, hasBody: true, headers: []any{r.Headers.RetryAfter}}
}

// operationReady is Ready as the server and the client run it.
var operationReady = &operationSpec{
	id:     "ready",
	method: "GET",
	path:   "/ready",
	responses: map[int]*responseSpec{
		200: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"HealthStatus\"}"), contentType: "application/json", encoding: "json"},
		503: &responseSpec{body: mustSchema("{\"type\":\"ref\",\"name\":\"ErrorResponse\"}"), contentType: "application/json", encoding: "json", headers: []headerSpec{{name: "Retry-After", schema: mustSchema("{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":{\"value\":0,\"exclusive\":false}}")}}},
	},
}
