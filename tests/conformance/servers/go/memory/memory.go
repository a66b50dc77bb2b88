// Package memory is the in-memory implementation every language's conformance
// server serves (tests/conformance/README.md): it accepts the bearer token
// `conformance-token` and answers each transaction of an upload with
// `success` (its entry count as the write checkpoint), or with `fatal_error`
// and the stub's violations for a transaction that is not valid.
package memory

import (
	"context"
	"encoding/json"
	"strconv"

	api "powersync-write-api"
)

// Token is the one bearer token the implementation accepts.
const Token = "conformance-token"

// Backend is the implementation.
type Backend struct{}

var _ api.Server = Backend{}

// Authenticate accepts Token as `conformance-user`.
func (Backend) Authenticate(_ context.Context, c api.Credentials) (any, bool, error) {
	if c.Secret == Token {
		return "conformance-user", true, nil
	}
	return nil, false, nil
}

type violation struct {
	Path    string `json:"path"`
	Keyword string `json:"keyword"`
}

type details struct {
	Violations        []violation `json:"violations"`
	ViolationsOmitted int         `json:"violations_omitted"`
}

// UploadData answers one result per transaction, in order.
func (Backend) UploadData(_ context.Context, request api.UploadDataReceivedRequest) (api.UploadDataResponse, error) {
	results := make([]api.TransactionResult, 0, len(request.Body.Transactions))
	for _, item := range request.Body.Transactions {
		if item.Valid {
			checkpoint := strconv.Itoa(len(item.Value.Crud))
			results = append(results, api.TransactionResult{Value: api.TransactionSuccess{WriteCheckpoint: &checkpoint}})
			continue
		}
		found := details{Violations: []violation{}, ViolationsOmitted: item.ViolationsOmitted}
		for _, v := range item.Violations {
			found.Violations = append(found.Violations, violation{Path: v.Path, Keyword: v.Keyword})
		}
		encoded, err := json.Marshal(found)
		if err != nil {
			return nil, err
		}
		message := "the transaction does not match the schema"
		results = append(results, api.TransactionResult{Value: api.TransactionFatalError{
			RequiresClientHandling: false,
			FailedOperation: api.FailedOperation{
				ErrorCode: "INVALID_REQUEST",
				Message:   &message,
				Details:   encoded,
			},
		}})
	}
	return api.UploadData200Response{Body: api.WriteBatchResponse{Results: results}}, nil
}

// Health answers ok.
func (Backend) Health(context.Context) (api.HealthResponse, error) {
	return api.Health200Response{Body: api.HealthStatus{Status: "ok"}}, nil
}

// Ready answers ok.
func (Backend) Ready(context.Context) (api.ReadyResponse, error) {
	return api.Ready200Response{Body: api.HealthStatus{Status: "ok"}}, nil
}
