// The generated client against a scripted server: the request it sends, typed
// replies for every status, Retry-After, and unexpected and invalid replies.
package gotests

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	api "powersync-write-api"
)

type scriptedReply struct {
	status int
	header map[string]string
	body   string
}

func client(t *testing.T, r scriptedReply, seen func(*http.Request, []byte)) *api.Client {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if seen != nil {
			seen(req, body)
		}
		for k, v := range r.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	}))
	t.Cleanup(s.Close)
	c, err := api.NewClient(api.ClientOptions{BaseURL: s.URL + "/prefix", Credentials: api.ClientCredentials{BearerAuth: api.StaticCredential("secret")}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func upload() api.UploadDataRequest {
	id := "client-1"
	return api.UploadDataRequest{Body: api.WriteBatch{ClientID: &id, Transactions: []api.CrudTransaction{{Crud: []api.CrudEntry{{Op: api.UpdateTypeDelete, Table: "todos", ID: "1"}}}}}}
}

func TestTheClientSendsTheRequestTheSpecDescribes(t *testing.T) {
	var method, path, auth, contentType, body string
	c := client(t, scriptedReply{200, nil, `{"results":[]}`}, func(r *http.Request, b []byte) {
		method, path, auth, contentType, body = r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)
	})
	if _, err := c.UploadData(context.Background(), upload()); err != nil {
		t.Fatal(err)
	}
	want := `{"client_id":"client-1","transactions":[{"crud":[{"op":"DELETE","table":"todos","id":"1"}]}]}`
	if method != "POST" || path != "/prefix/api/data" || auth != "Bearer secret" || contentType != "application/json" || body != want {
		t.Errorf("%s %s %q %q %s", method, path, auth, contentType, body)
	}
	c = client(t, scriptedReply{200, nil, `{"status":"ok"}`}, func(r *http.Request, b []byte) {
		method, path, auth = r.Method, r.URL.Path, r.Header.Get("Authorization")
	})
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if method != "GET" || path != "/prefix/health" || auth != "" {
		t.Errorf("health: %s %s %q", method, path, auth)
	}
}

func TestTheClientGivesTypedReplies(t *testing.T) {
	ctx := context.Background()
	c := client(t, scriptedReply{200, nil, `{"results":[{"status":"success","write_checkpoint":"9","extra":1},{"status":"retryable_error","retry_after_ms":50},{"status":"fatal_error","requires_client_handling":true,"failed_operation":{"error_code":"23503","details":{"x":[1]}}},{"status":"not_attempted"}]}`}, nil)
	response, err := c.UploadData(ctx, upload())
	if err != nil {
		t.Fatal(err)
	}
	results := response.(api.UploadData200Response).Body.Results
	success, _ := results[0].Value.(api.TransactionSuccess)
	retry, _ := results[1].Value.(api.TransactionRetryableError)
	fatal, _ := results[2].Value.(api.TransactionFatalError)
	_, notAttempted := results[3].Value.(api.TransactionNotAttempted)
	if *success.WriteCheckpoint != "9" || *retry.RetryAfterMs != 50 || !fatal.RequiresClientHandling || fatal.FailedOperation.ErrorCode != "23503" || string(fatal.FailedOperation.Details) != `{"x":[1]}` || !notAttempted {
		t.Fatalf("%+v", results)
	}
	again, _ := json.Marshal(results)
	if string(again) != `[{"status":"success","write_checkpoint":"9"},{"status":"retryable_error","retry_after_ms":50},{"status":"fatal_error","requires_client_handling":true,"failed_operation":{"error_code":"23503","details":{"x":[1]}}},{"status":"not_attempted"}]` {
		t.Fatalf("re-encoded %s", again)
	}
	statuses := map[int]func(api.UploadDataResponse) (string, *int32, bool){
		400: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData400Response)
			return x.Body.Message, nil, ok
		},
		401: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData401Response)
			return x.Body.Message, nil, ok
		},
		403: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData403Response)
			return x.Body.Message, nil, ok
		},
		413: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData413Response)
			return x.Body.Message, nil, ok
		},
		415: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData415Response)
			return x.Body.Message, nil, ok
		},
		429: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData429Response)
			return x.Body.Message, x.Headers.RetryAfter, ok
		},
		500: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData500Response)
			return x.Body.Message, nil, ok
		},
		503: func(r api.UploadDataResponse) (string, *int32, bool) {
			x, ok := r.(api.UploadData503Response)
			return x.Body.Message, x.Headers.RetryAfter, ok
		},
	}
	for status, read := range statuses {
		response, err := client(t, scriptedReply{status, map[string]string{"Retry-After": "30"}, `{"message":"m","code":"C"}`}, nil).UploadData(ctx, upload())
		if err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		message, retryAfter, ok := read(response)
		if !ok || message != "m" {
			t.Errorf("%d: %T", status, response)
		}
		if (status == 429 || status == 503) && (retryAfter == nil || *retryAfter != 30) {
			t.Errorf("%d: Retry-After %v", status, retryAfter)
		}
	}
	response, err = client(t, scriptedReply{503, map[string]string{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, `{"message":"m"}`}, nil).UploadData(ctx, upload())
	if r, ok := response.(api.UploadData503Response); err != nil || !ok || r.Headers.RetryAfter != nil {
		t.Errorf("a Retry-After date is not seconds: %v %v", response, err)
	}
	ready, err := client(t, scriptedReply{503, map[string]string{"Retry-After": "5"}, `{"message":"starting"}`}, nil).Ready(ctx)
	if r, ok := ready.(api.Ready503Response); err != nil || !ok || *r.Headers.RetryAfter != 5 {
		t.Errorf("ready: %v %v", ready, err)
	}
}

func TestTheClientReportsUnexpectedAndInvalidReplies(t *testing.T) {
	ctx := context.Background()
	_, err := client(t, scriptedReply{418, nil, `short and stout`}, nil).UploadData(ctx, upload())
	var unexpected *api.UnexpectedResponseError
	if !errors.As(err, &unexpected) || unexpected.Status != 418 || string(unexpected.Body) != "short and stout" {
		t.Errorf("418: %v", err)
	}
	for _, body := range []string{`<html>`, `{"results":[{"status":"done"}]}`, `{}`, ``} {
		_, err := client(t, scriptedReply{200, map[string]string{"X-Trace": "t"}, body}, nil).UploadData(ctx, upload())
		var invalid *api.InvalidResponseError
		if !errors.As(err, &invalid) || invalid.Status != 200 || invalid.Header.Get("X-Trace") != "t" || invalid.Error() == "" {
			t.Errorf("%q: %v", body, err)
		}
	}
	_, err = client(t, scriptedReply{429, map[string]string{"Retry-After": "3"}, `{}`}, nil).UploadData(ctx, upload())
	var invalid *api.InvalidResponseError
	if !errors.As(err, &invalid) || invalid.Status != 429 || invalid.Header.Get("Retry-After") != "3" || len(invalid.Violations) != 1 || invalid.Violations[0].Path != "$.message" {
		t.Errorf("an error body without message: %v", err)
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hijacked, _, _ := w.(http.Hijacker).Hijack()
		hijacked.Close()
	}))
	defer s.Close()
	c, _ := api.NewClient(api.ClientOptions{BaseURL: s.URL})
	if _, err := c.Health(ctx); err == nil || errors.As(err, &invalid) || errors.As(err, &unexpected) {
		t.Errorf("a closed connection is the transport's error: %v", err)
	}
	if _, err := api.NewClient(api.ClientOptions{BaseURL: "not a url"}); err == nil {
		t.Error("a base URL without http(s) is refused")
	}
}
