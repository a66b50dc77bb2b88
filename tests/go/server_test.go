// The generated handler serving the conformance implementation: every status
// and body of the stub, and every WriteBatch vector as tests/vectors/README.md
// ("Servers: one transaction at a time") says a server answers it.
package gotests

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	api "powersync-write-api"
	"powersync-write-conformance/servers/go/memory"
)

func server(t *testing.T) *httptest.Server {
	s := httptest.NewServer(api.Handler(memory.Backend{}, api.Options{BodyLimit: 65536, OnError: func(err error, _ *http.Request) { t.Errorf("implementation error: %v", err) }}))
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func post(t *testing.T, s *httptest.Server, method, path string, header map[string]string, body string) reply {
	t.Helper()
	request, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	for name, value := range header {
		request.Header.Set(name, value)
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	data, _ := io.ReadAll(response.Body)
	out := reply{status: response.StatusCode, header: response.Header}
	decoder := json.NewDecoder(strings.NewReader(string(data)))
	decoder.UseNumber()
	if err := decoder.Decode(&out.body); err != nil {
		t.Fatalf("%s %s: %d %q is not JSON", method, path, response.StatusCode, data)
	}
	return out
}

var authorized = map[string]string{"Authorization": "Bearer " + memory.Token, "Content-Type": "application/json"}

const oneTransaction = `{"transactions":[{"crud":[{"op":"PUT","table":"todos","id":"1"}]}]}`

func TestTheStubAnswersEveryStatusWithItsBody(t *testing.T) {
	s := server(t)
	cases := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		code               string
	}{
		{"no credentials", "POST", "/api/data", map[string]string{"Content-Type": "application/json"}, oneTransaction, 401, "UNAUTHENTICATED"},
		{"malformed credentials", "POST", "/api/data", map[string]string{"Authorization": "Token " + memory.Token, "Content-Type": "application/json"}, oneTransaction, 401, "UNAUTHENTICATED"},
		{"refused credentials", "POST", "/api/data", map[string]string{"Authorization": "Bearer other", "Content-Type": "application/json"}, oneTransaction, 401, "UNAUTHENTICATED"},
		{"not JSON", "POST", "/api/data", map[string]string{"Authorization": "Bearer " + memory.Token, "Content-Type": "text/plain"}, oneTransaction, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"over the limit", "POST", "/api/data", authorized, `{"transactions":[],"pad":"` + strings.Repeat("x", 65536) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
		{"malformed JSON", "POST", "/api/data", authorized, `{"transactions":`, 400, "INVALID_REQUEST"},
		{"unknown route", "GET", "/api/nothing", nil, "", 404, "NOT_FOUND"},
		{"wrong method", "GET", "/api/data", authorized, "", 405, "METHOD_NOT_ALLOWED"},
	}
	for _, c := range cases {
		got := post(t, s, c.method, c.path, c.header, c.body)
		if got.status != c.status || got.body["code"] != c.code || got.body["message"] == "" {
			t.Errorf("%s: %d %v", c.name, got.status, got.body)
		}
	}
	if got := post(t, s, "DELETE", "/health", nil, ""); got.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q", got.header.Get("Allow"))
	}
	for _, path := range []string{"/health", "/ready"} {
		if got := post(t, s, "GET", path, nil, ""); got.status != 200 || got.body["status"] != "ok" {
			t.Errorf("%s: %d %v", path, got.status, got.body)
		}
	}
	got := post(t, s, "POST", "/api/data", authorized, oneTransaction)
	want := `{"results":[{"status":"success","write_checkpoint":"1"}]}`
	if encoded, _ := json.Marshal(got.body); got.status != 200 || string(encoded) != want {
		t.Errorf("%d %s", got.status, encoded)
	}
}

var transaction = regexp.MustCompile(`^\$\.transactions\[(\d+)\]($|[.\[])`)

func TestEveryWriteBatchVectorIsAnsweredOneTransactionAtATime(t *testing.T) {
	s := server(t)
	served := 0
	for _, v := range vectors(t) {
		if v.Schema != "WriteBatch" {
			continue
		}
		served++
		// Violations by transaction index; -1: outside every transaction.
		byIndex := map[int][][2]string{}
		envelope := false
		for _, e := range v.Errors {
			match := transaction.FindStringSubmatch(e.Path)
			if match == nil {
				envelope = true
				continue
			}
			i, _ := strconv.Atoi(match[1])
			byIndex[i] = append(byIndex[i], [2]string{e.Path, e.Keyword})
		}
		got := post(t, s, "POST", "/api/data", authorized, string(v.Value))
		if envelope {
			var listed [][2]string
			for _, item := range got.body["violations"].([]any) {
				m := item.(map[string]any)
				listed = append(listed, [2]string{m["path"].(string), m["keyword"].(string)})
			}
			var want [][2]string
			for _, e := range v.Errors {
				want = append(want, [2]string{e.Path, e.Keyword})
			}
			omitted := 0
			if n, ok := got.body["violations_omitted"].(json.Number); ok {
				o, _ := n.Int64()
				omitted = int(o)
			}
			if got.status != 400 || got.body["code"] != "INVALID_REQUEST" || !reflect.DeepEqual(pairs(listed), pairs(want)) || omitted != v.Omitted {
				t.Errorf("%s: %d %v (+%d), want 400 %v (+%d)", v.file, got.status, pairs(listed), omitted, pairs(want), v.Omitted)
			}
			continue
		}
		if got.status != 200 {
			t.Errorf("%s: %d %v, want 200", v.file, got.status, got.body)
			continue
		}
		results := got.body["results"].([]any)
		// A vector over the cap has its violations in one transaction, which
		// counts the omitted ones.
		omitted := 0
		if len(byIndex) == 1 {
			omitted = v.Omitted
		}
		var batch struct {
			Transactions []json.RawMessage `json:"transactions"`
		}
		_ = json.Unmarshal(v.Value, &batch)
		if len(results) != len(batch.Transactions) {
			t.Errorf("%s: %d results for %d transactions", v.file, len(results), len(batch.Transactions))
			continue
		}
		for i, r := range results {
			result := r.(map[string]any)
			want, invalid := byIndex[i]
			if !invalid {
				if result["status"] != "success" {
					t.Errorf("%s: transaction %d: %v, want success", v.file, i, result)
				}
				continue
			}
			failed, _ := result["failed_operation"].(map[string]any)
			details, _ := failed["details"].(map[string]any)
			var listed [][2]string
			for _, item := range details["violations"].([]any) {
				m := item.(map[string]any)
				listed = append(listed, [2]string{m["path"].(string), m["keyword"].(string)})
			}
			if result["status"] != "fatal_error" || failed["error_code"] != "INVALID_REQUEST" || !reflect.DeepEqual(pairs(listed), pairs(want)) || details["violations_omitted"] != json.Number(strconv.Itoa(omitted)) {
				t.Errorf("%s: transaction %d: %v, want fatal_error %v", v.file, i, result, pairs(want))
			}
		}
	}
	if served < 20 {
		t.Fatalf("only %d WriteBatch vectors", served)
	}
}
