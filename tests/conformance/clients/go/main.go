// The Go conformance client (tests/conformance/README.md): for each case of the
// file named by its argument, calls the generated client against
// $CONFORMANCE_BASE_URL/<name> and prints one line of JSON saying what it got.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	api "powersync-write-api"
)

type testCase struct {
	Name      string `json:"name"`
	Operation string `json:"operation"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: client <cases.json> (with CONFORMANCE_BASE_URL set)")
		os.Exit(2)
	}
	base := os.Getenv("CONFORMANCE_BASE_URL")
	if base == "" {
		fmt.Fprintln(os.Stderr, "set CONFORMANCE_BASE_URL to the fake server's URL")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var cases []testCase
	if err := json.Unmarshal(data, &cases); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	for _, c := range cases {
		line, err := run(base, c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "case %s: %v\n", c.Name, err)
			os.Exit(1)
		}
		line["case"] = c.Name
		if err := out.Encode(line); err != nil {
			os.Exit(1)
		}
	}
}

// request is the upload every client sends.
func request() api.UploadDataRequest {
	clientID := "conformance-client"
	transactionID := int64(7)
	opID := int64(1)
	return api.UploadDataRequest{Body: api.WriteBatch{
		ClientID: &clientID,
		Transactions: []api.CrudTransaction{{
			TransactionID: &transactionID,
			Crud: []api.CrudEntry{{
				Op:     api.UpdateTypePut,
				Table:  "todos",
				ID:     "t1",
				OpID:   &opID,
				OpData: api.Some(map[string]json.RawMessage{"description": json.RawMessage(`"buy milk"`), "done": json.RawMessage(`false`)}),
			}},
		}},
	}}
}

func run(base string, c testCase) (map[string]any, error) {
	client, err := api.NewClient(api.ClientOptions{
		BaseURL:     base + "/" + c.Name,
		Credentials: api.ClientCredentials{BearerAuth: api.StaticCredential("conformance-token")},
	})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	var response api.Response
	switch c.Operation {
	case "uploadData":
		response, err = client.UploadData(ctx, request())
	case "health":
		response, err = client.Health(ctx)
	case "ready":
		response, err = client.Ready(ctx)
	default:
		return nil, fmt.Errorf("unknown operation %q", c.Operation)
	}
	var unexpected *api.UnexpectedResponseError
	var invalid *api.InvalidResponseError
	switch {
	case errors.As(err, &unexpected):
		return map[string]any{"outcome": "unexpected_status", "status": unexpected.Status}, nil
	case errors.As(err, &invalid):
		return map[string]any{"outcome": "invalid_response", "status": invalid.Status}, nil
	case err != nil:
		return map[string]any{"outcome": "transport_error"}, nil
	}
	return describe(response)
}

// describe is a typed response as the outcome line: status, body, and the typed
// Retry-After of a response that declares it.
func describe(response api.Response) (map[string]any, error) {
	line := map[string]any{"outcome": "response"}
	var body any
	var retryAfter **int32
	switch r := response.(type) {
	case api.UploadData200Response:
		line["status"], body = 200, r.Body
	case api.UploadData400Response:
		line["status"], body = 400, r.Body
	case api.UploadData401Response:
		line["status"], body = 401, r.Body
	case api.UploadData403Response:
		line["status"], body = 403, r.Body
	case api.UploadData413Response:
		line["status"], body = 413, r.Body
	case api.UploadData415Response:
		line["status"], body = 415, r.Body
	case api.UploadData429Response:
		line["status"], body, retryAfter = 429, r.Body, &r.Headers.RetryAfter
	case api.UploadData500Response:
		line["status"], body = 500, r.Body
	case api.UploadData503Response:
		line["status"], body, retryAfter = 503, r.Body, &r.Headers.RetryAfter
	case api.Health200Response:
		line["status"], body = 200, r.Body
	case api.Ready200Response:
		line["status"], body = 200, r.Body
	case api.Ready503Response:
		line["status"], body, retryAfter = 503, r.Body, &r.Headers.RetryAfter
	default:
		return nil, fmt.Errorf("a response type this program does not know: %T", response)
	}
	line["body"] = body
	if retryAfter != nil {
		line["retry_after"] = *retryAfter
	}
	return line, nil
}
