package api

// Tests of the support code, the same in every generated package: they build
// their own schemas and operations, so they do not depend on the spec.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSONKeepsOrderAndTheLastOfARepeatedName(t *testing.T) {
	v, err := parseJSON([]byte(`{"b":1,"a":2,"b":3}`))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*jsonObject)
	if !reflect.DeepEqual(o.keys, []string{"b", "a"}) || o.values["b"] != json.Number("3") {
		t.Fatalf("keys %v values %v", o.keys, o.values)
	}
	if got := string(jsonText(v)); got != `{"b":3,"a":2}` {
		t.Fatalf("re-encoded as %s", got)
	}
}

func TestParseJSONRefusesWhatIsNotOneJSONValue(t *testing.T) {
	for _, text := range []string{``, `{`, `{} {}`, `[1,]`, "\"\xff\"", `nul`} {
		if _, err := parseJSON([]byte(text)); err == nil {
			t.Errorf("%q parsed", text)
		}
	}
}

func TestNumbersStayExact(t *testing.T) {
	v, err := parseJSON([]byte(`[9223372036854775807, 1.0, 1e2]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(jsonText(v)); got != `[9223372036854775807,1.0,1e2]` {
		t.Fatalf("got %s", got)
	}
	if !numbersEqual("1.0", "1") || numbersEqual("9007199254740993", "9007199254740992") {
		t.Fatal("numbers compare by exact value")
	}
}

type pair struct{ path, keyword string }

func found(s *schema, text string) ([]pair, int) {
	value, err := parseJSON([]byte(text))
	if err != nil {
		panic(err)
	}
	var out Violations
	validateValue(s, value, "$", &out)
	pairs := []pair{}
	for _, v := range out.Listed {
		if v.Message == "" {
			panic("a violation without a message")
		}
		pairs = append(pairs, pair{v.Path, v.Keyword})
	}
	return pairs, out.Omitted
}

func expect(t *testing.T, s *schema, text string, want ...pair) {
	t.Helper()
	got, omitted := found(s, text)
	if want == nil {
		want = []pair{}
	}
	if !reflect.DeepEqual(got, want) || omitted != 0 {
		t.Errorf("%s: got %v (+%d), want %v", text, got, omitted, want)
	}
}

var record = mustSchema(`{"type":"object","properties":{
	"id":{"schema":{"type":"integer","format":"int64","minimum":{"value":1,"exclusive":false}},"required":true},
	"small":{"schema":{"type":"integer","format":"int32","maximum":{"value":10,"exclusive":true}},"required":false},
	"ratio":{"schema":{"type":"number","minimum":{"value":0,"exclusive":true},"nullable":true},"required":false},
	"name":{"schema":{"type":"string","minLength":2,"maxLength":3,"pattern":"^[a-zé]+$"},"required":false},
	"kind":{"schema":{"type":"string","enum":["a","b"]},"required":false},
	"tags":{"schema":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2,"uniqueItems":true},"required":false},
	"data":{"schema":{"type":"map","values":{"type":"boolean"}},"required":false},
	"any":{"schema":{"type":"any"},"required":false}}}`)

func TestValidationReportsEveryKeywordWithItsPath(t *testing.T) {
	expect(t, record, `{"id": 1}`)
	expect(t, record, `{"id": 1, "unknown": [1], "any": null, "ratio": null}`)
	expect(t, record, `{}`, pair{"$.id", "required"})
	expect(t, record, `null`, pair{"$", "type"})
	expect(t, record, `{"id": 0}`, pair{"$.id", "minimum"})
	expect(t, record, `{"id": 1.0}`, pair{"$.id", "type"})
	expect(t, record, `{"id": 1e2}`, pair{"$.id", "type"})
	expect(t, record, `{"id": "1"}`, pair{"$.id", "type"})
	expect(t, record, `{"id": 9223372036854775808}`, pair{"$.id", "format"})
	expect(t, record, `{"id": 9223372036854775807}`)
	expect(t, record, `{"id": 1, "small": 2147483648}`, pair{"$.small", "format"}, pair{"$.small", "maximum"})
	expect(t, record, `{"id": 1, "small": 10}`, pair{"$.small", "maximum"})
	expect(t, record, `{"id": 1, "ratio": 0}`, pair{"$.ratio", "minimum"})
	expect(t, record, `{"id": 1, "ratio": 1e400}`, pair{"$.ratio", "type"})
	expect(t, record, `{"id": 1, "name": "éé"}`)
	expect(t, record, `{"id": 1, "name": "a"}`, pair{"$.name", "minLength"})
	expect(t, record, `{"id": 1, "name": "abcd"}`, pair{"$.name", "maxLength"})
	expect(t, record, `{"id": 1, "name": "A1"}`, pair{"$.name", "pattern"})
	expect(t, record, `{"id": 1, "kind": "A"}`, pair{"$.kind", "enum"})
	expect(t, record, `{"id": 1, "tags": []}`, pair{"$.tags", "minItems"})
	expect(t, record, `{"id": 1, "tags": ["x", "x", 3]}`, pair{"$.tags", "maxItems"}, pair{"$.tags", "uniqueItems"}, pair{"$.tags[2]", "type"})
	expect(t, record, `{"id": 1, "data": {"z": 1, "it's": true, "a b": "no"}}`, pair{"$.data.z", "type"}, pair{`$.data['a b']`, "type"})
}

func TestPathsEscapeNamesThatAreNotIdentifiers(t *testing.T) {
	if got := propertyPath("$", `it's\`); got != `$['it\'s\\']` {
		t.Fatal(got)
	}
}

func TestValidationListsTheFirstHundredAndCountsTheRest(t *testing.T) {
	s := mustSchema(`{"type":"array","items":{"type":"string"}}`)
	items := make([]string, 250)
	for i := range items {
		items[i] = "1"
	}
	got, omitted := found(s, "["+strings.Join(items, ",")+"]")
	if len(got) != MaxViolations || omitted != 150 || got[99].path != "$[99]" {
		t.Fatalf("%d listed, %d omitted", len(got), omitted)
	}
}

func TestAdditionalPropertiesAreCheckedInTheValuesOrder(t *testing.T) {
	s := mustSchema(`{"type":"object","properties":{"a":{"schema":{"type":"string"},"required":false}},"additionalProperties":{"type":"integer","format":"int32"}}`)
	expect(t, s, `{"z": "x", "a": 1, "b": true}`, pair{"$.a", "type"}, pair{"$.z", "type"}, pair{"$.b", "type"})
}

func TestProjectionDropsWhatTheSchemaDoesNotDeclare(t *testing.T) {
	value, _ := parseJSON([]byte(`{"id": 1, "ID": "x", "data": {"k": true}, "tags": ["a"]}`))
	if got := string(jsonText(project(record, value))); got != `{"id":1,"data":{"k":true},"tags":["a"]}` {
		t.Fatal(got)
	}
}

func TestOptionalKeepsAbsentNullAndValueApart(t *testing.T) {
	type holder struct {
		Note Optional[*string] `json:"note,omitzero"`
	}
	for text, want := range map[string]string{`{}`: "absent", `{"note":null}`: "null", `{"note":"x"}`: "x"} {
		var h holder
		if err := json.Unmarshal([]byte(text), &h); err != nil {
			t.Fatal(err)
		}
		got := "absent"
		if h.Note.Set {
			got = "null"
			if h.Note.Value != nil {
				got = *h.Note.Value
			}
		}
		again, _ := json.Marshal(h)
		if got != want || string(again) != text {
			t.Errorf("%s: read %s, wrote %s", text, got, again)
		}
	}
	s := "v"
	if data, _ := json.Marshal(holder{Note: Some(&s)}); string(data) != `{"note":"v"}` {
		t.Error(string(data))
	}
}

func TestCheckedReadsTheServersReport(t *testing.T) {
	var items []Checked[int]
	text := `[{"raw":1,"value":1},{"raw":"x","violations":[{"path":"$[1]","keyword":"type","message":"m"}],"violations_omitted":2}]`
	if err := json.Unmarshal([]byte(text), &items); err != nil {
		t.Fatal(err)
	}
	if !items[0].Valid || items[0].Value != 1 || items[1].Valid || string(items[1].Raw) != `"x"` || items[1].ViolationsOmitted != 2 || items[1].Violations[0].Keyword != "type" {
		t.Fatalf("%+v", items)
	}
	if data, _ := json.Marshal(items); string(data) != `[1,"x"]` {
		t.Fatal(string(data))
	}
}

func TestTaggedAndExtraPropertiesEncode(t *testing.T) {
	type plain struct {
		A int `json:"a"`
	}
	data, err := marshalTagged("status", "ok", plain{A: 1})
	if err != nil || string(data) != `{"status":"ok","a":1}` {
		t.Fatalf("%s %v", data, err)
	}
	if data, _ := marshalTagged("status", "ok", struct{}{}); string(data) != `{"status":"ok"}` {
		t.Fatal(string(data))
	}
	if tag, err := unionTag([]byte(`{"status":"ok"}`), "status"); tag != "ok" || err != nil {
		t.Fatal(tag, err)
	}
	if _, err := unionTag([]byte(`{"status":1}`), "status"); err == nil {
		t.Fatal("a number is not a tag")
	}
	if _, err := unionTag([]byte(`{}`), "status"); err == nil {
		t.Fatal("a missing tag is an error")
	}
	data, err = marshalWithExtra(plain{A: 1}, map[string]int{"b": 2})
	if err != nil || string(data) != `{"a":1,"b":2}` {
		t.Fatalf("%s %v", data, err)
	}
	extra, err := unmarshalExtra[int]([]byte(`{"a":1,"b":2}`), "a")
	if err != nil || !reflect.DeepEqual(extra, map[string]int{"b": 2}) {
		t.Fatal(extra, err)
	}
	if errNoVariant == nil {
		t.Fatal("errNoVariant is an error")
	}
}

// The test operation: PUT /things/{id}?tag=..&tag=.. with an X-Mode header and a
// body {"name", "items": per-item [{"n": integer}]}.
var testOperation = &operationSpec{
	id:     "putThing",
	method: "PUT",
	path:   "/things/{id}",
	security: [][]securityUse{
		{{scheme: "supportTestBearer", scopes: []string{}}},
		{{scheme: "supportTestKey", scopes: []string{"write"}}},
	},
	parameters: []parameterSpec{
		{name: "id", location: "path", required: true, schema: mustSchema(`{"type":"integer","format":"int64"}`)},
		{name: "tag", location: "query", required: false, schema: mustSchema(`{"type":"array","items":{"type":"string"}}`)},
		{name: "X-Mode", location: "header", required: true, schema: mustSchema(`{"type":"string","enum":["fast","slow"]}`)},
		{name: "ids", location: "query", required: false, schema: mustSchema(`{"type":"array","items":{"type":"integer","format":"int32"}}`), separator: ","},
	},
	body: &bodySpec{
		schema: mustSchema(`{"type":"object","properties":{
			"name":{"schema":{"type":"string"},"required":true},
			"items":{"schema":{"type":"array","perItem":true,"maxItems":3,"items":{"type":"object","properties":{"n":{"schema":{"type":"integer","format":"int32"},"required":true}}}},"required":true}}}`),
		required:    true,
		contentType: "application/json",
	},
	responses: map[int]*responseSpec{
		200: {body: mustSchema(`{"type":"object","properties":{"count":{"schema":{"type":"integer","format":"int64"},"required":true}}}`), contentType: "application/json",
			headers: []headerSpec{{name: "Retry-After", schema: mustSchema(`{"type":"integer","format":"int64"}`)}, {name: "X-Note", schema: mustSchema(`{"type":"string"}`)}}},
		204: {},
	},
	fallback: &responseSpec{body: mustSchema(`{"type":"object","properties":{"message":{"schema":{"type":"string"},"required":true}}}`), contentType: "application/json"},
}

var testOpen = &operationSpec{id: "getThing", method: "GET", path: "/things/{id}", parameters: []parameterSpec{
	{name: "id", location: "path", required: true, schema: mustSchema(`{"type":"string"}`)},
}, responses: map[int]*responseSpec{200: {}}}

type thingRequest struct {
	ID    int64
	Tag   *[]string
	Mode  string
	IDs   *[]int32
	Items []Checked[struct {
		N int32 `json:"n"`
	}]
	Name string
}

type testReply struct {
	status  int
	body    any
	headers []any
}

func (r testReply) reply() reply {
	return reply{status: r.status, body: r.body, hasBody: r.body != nil, headers: r.headers}
}

func init() {
	securitySchemes["supportTestBearer"] = securitySchemeSpec{kind: "bearer"}
	securitySchemes["supportTestKey"] = securitySchemeSpec{kind: "apiKey", location: "header", name: "X-Key"}
}

// testServer serves the test operations; seen receives each decoded request.
func testServer(t *testing.T, answer func(thingRequest) (Response, error), onError func(error)) *httptest.Server {
	authenticate := func(ctx context.Context, c Credentials) (any, bool, error) {
		if c.Secret == "fail" {
			return nil, false, &HTTPError{Status: 403, Code: "FORBIDDEN", Message: "no"}
		}
		return "user:" + c.Scheme, c.Secret == "good", nil
	}
	handler := serve(Options{BodyLimit: 200, OnError: func(err error, _ *http.Request) { onError(err) }}, authenticate, []route{
		{spec: testOperation, invoke: func(ctx context.Context, in *decoded) (Response, error) {
			if p, ok := PrincipalFrom(ctx); !ok || p != "user:supportTestBearer" && p != "user:supportTestKey" {
				t.Errorf("principal %v", p)
			}
			if RequestFrom(ctx) == nil {
				t.Error("no request in the context")
			}
			var request thingRequest
			var body struct {
				Name  string `json:"name"`
				Items []Checked[struct {
					N int32 `json:"n"`
				}] `json:"items"`
			}
			for i, into := range []any{&request.ID, &request.Tag, &request.Mode, &request.IDs} {
				if err := in.param(i, into); err != nil {
					return nil, err
				}
			}
			if err := in.decodeBody(&body); err != nil {
				return nil, err
			}
			request.Name, request.Items = body.Name, body.Items
			return answer(request)
		}},
		{spec: testOpen, invoke: func(ctx context.Context, in *decoded) (Response, error) {
			if _, ok := PrincipalFrom(ctx); ok {
				t.Error("an open operation has no principal")
			}
			return testReply{status: 200}, nil
		}},
	})
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return server
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func send(t *testing.T, server *httptest.Server, method, path string, header map[string]string, body string) answer {
	t.Helper()
	request, err := http.NewRequest(method, server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		request.Body = http.NoBody
	}
	for name, value := range header {
		request.Header.Set(name, value)
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	data, _ := io.ReadAll(response.Body)
	out := answer{status: response.StatusCode, header: response.Header}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out.body); err != nil {
			t.Fatalf("%s %s: %d %q is not JSON", method, path, response.StatusCode, data)
		}
	}
	return out
}

var good = map[string]string{"Authorization": "Bearer good", "Content-Type": "application/json", "X-Mode": "fast"}

func with(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range good {
		out[k] = v
	}
	for k, v := range extra {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func violationsOf(a answer) []pair {
	out := []pair{}
	list, _ := a.body["violations"].([]any)
	for _, v := range list {
		m := v.(map[string]any)
		out = append(out, pair{m["path"].(string), m["keyword"].(string)})
	}
	return out
}

func TestTheHandlerRefusesBeforeTheImplementation(t *testing.T) {
	called := false
	server := testServer(t, func(thingRequest) (Response, error) {
		called = true
		return testReply{status: 204}, nil
	}, func(err error) { t.Error(err) })
	body := `{"name":"n","items":[]}`
	cases := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		code               string
	}{
		{"unknown path", "PUT", "/nothing", good, body, 404, "NOT_FOUND"},
		{"wrong method", "POST", "/things/1", good, body, 405, "METHOD_NOT_ALLOWED"},
		{"no credentials", "PUT", "/things/1", with(map[string]string{"Authorization": ""}), body, 401, "UNAUTHENTICATED"},
		{"malformed credentials", "PUT", "/things/1", with(map[string]string{"Authorization": "Basic good"}), body, 401, "UNAUTHENTICATED"},
		{"refused credentials", "PUT", "/things/1", with(map[string]string{"Authorization": "Bearer bad"}), body, 401, "UNAUTHENTICATED"},
		{"authenticate's own error", "PUT", "/things/1", with(map[string]string{"Authorization": "Bearer fail"}), body, 403, "FORBIDDEN"},
		{"not JSON", "PUT", "/things/1", with(map[string]string{"Content-Type": "text/plain"}), body, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"no content type", "PUT", "/things/1", with(map[string]string{"Content-Type": ""}), body, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"too large", "PUT", "/things/1", good, `{"name":"` + strings.Repeat("x", 300) + `","items":[]}`, 413, "PAYLOAD_TOO_LARGE"},
		{"malformed JSON", "PUT", "/things/1", good, `{"name":`, 400, "INVALID_REQUEST"},
		{"empty body", "PUT", "/things/1", good, ``, 400, "INVALID_REQUEST"},
	}
	for _, c := range cases {
		got := send(t, server, c.method, c.path, c.header, c.body)
		if got.status != c.status || got.body["code"] != c.code || got.body["message"] == "" || got.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %v", c.name, got.status, got.body)
		}
	}
	if got := send(t, server, "DELETE", "/things/1", good, ""); got.header.Get("Allow") != "PUT, GET, HEAD" {
		t.Errorf("Allow: %q", got.header.Get("Allow"))
	}
	if called {
		t.Error("the implementation was called")
	}
}

func TestParametersAndTheEnvelopeAreValidatedTogether(t *testing.T) {
	server := testServer(t, func(thingRequest) (Response, error) {
		t.Error("the implementation was called")
		return nil, nil
	}, func(err error) { t.Error(err) })
	got := send(t, server, "PUT", "/things/x?ids=1,a", with(map[string]string{"X-Mode": "", "Content-Type": "application/merge-patch+json"}), `{"items":[1,2,3,4]}`)
	want := []pair{{"path.id", "type"}, {"header.X-Mode", "required"}, {"query.ids[1]", "type"}, {"$.name", "required"}, {"$.items", "maxItems"}, {"$.items[0]", "type"}, {"$.items[1]", "type"}, {"$.items[2]", "type"}, {"$.items[3]", "type"}}
	if got.status != 400 || !reflect.DeepEqual(violationsOf(got), want) || got.body["violations_omitted"] != nil {
		t.Errorf("%d %v", got.status, violationsOf(got))
	}
	got = send(t, server, "PUT", "/things/%FF", good, `{"name":"n","items":[]}`)
	if got.status != 400 || !reflect.DeepEqual(violationsOf(got), []pair{{"path.id", "type"}}) {
		t.Errorf("%d %v", got.status, got.body)
	}
}

func TestItemsOfPerItemArraysArriveCheckedOneByOne(t *testing.T) {
	var seen thingRequest
	server := testServer(t, func(r thingRequest) (Response, error) {
		seen = r
		return testReply{status: 200, body: map[string]int{"count": len(r.Items)}, headers: []any{nil, "note"}}, nil
	}, func(err error) { t.Error(err) })
	got := send(t, server, "PUT", "/things/7?tag=a&tag=b%20c&ids=1,2", with(map[string]string{"Authorization": "", "X-Key": "good"}), `{"name":"n","Name":5,"items":[{"n":1,"N":"x"},{"n":"2"},{}]}`)
	if got.status != 200 || got.body["count"] != 3.0 || got.header.Get("X-Note") != "note" || got.header.Get("Retry-After") != "" {
		t.Fatalf("%d %v %v", got.status, got.body, got.header)
	}
	if seen.ID != 7 || !reflect.DeepEqual(*seen.Tag, []string{"a", "b c"}) || seen.Mode != "fast" || !reflect.DeepEqual(*seen.IDs, []int32{1, 2}) || seen.Name != "n" {
		t.Fatalf("%+v", seen)
	}
	items := seen.Items
	if !items[0].Valid || items[0].Value.N != 1 || string(items[0].Raw) != `{"n":1,"N":"x"}` {
		t.Errorf("item 0: %+v", items[0])
	}
	if items[1].Valid || string(items[1].Raw) != `{"n":"2"}` || !reflect.DeepEqual(items[1].Violations[0].Path, "$.items[1].n") || items[1].Violations[0].Keyword != "type" {
		t.Errorf("item 1: %+v", items[1])
	}
	if items[2].Valid || items[2].Violations[0].Path != "$.items[2].n" || items[2].Violations[0].Keyword != "required" {
		t.Errorf("item 2: %+v", items[2])
	}
	if got := send(t, server, "GET", "/things/x", nil, ""); got.status != 200 || got.body != nil {
		t.Errorf("open operation: %d", got.status)
	}
}

func TestImplementationErrorsAre500OrTheirOwnStatus(t *testing.T) {
	var reported []error
	fail := errors.New("database down")
	answers := []func() (Response, error){
		func() (Response, error) { return nil, fail },
		func() (Response, error) {
			return nil, &HTTPError{Status: 503, Code: "UNAVAILABLE", Message: "later", Header: http.Header{"Retry-After": {"5"}}}
		},
		func() (Response, error) { panic("boom") },
		func() (Response, error) { return nil, nil },
		func() (Response, error) { return testReply{status: 0}, nil },
		func() (Response, error) {
			return testReply{status: 418, body: map[string]string{"message": "teapot"}}, nil
		},
	}
	index := 0
	server := testServer(t, func(thingRequest) (Response, error) { return answers[index]() }, func(err error) { reported = append(reported, err) })
	want := []struct {
		status int
		code   string
	}{{500, "INTERNAL_ERROR"}, {503, "UNAVAILABLE"}, {500, "INTERNAL_ERROR"}, {500, "INTERNAL_ERROR"}, {500, "INTERNAL_ERROR"}, {418, ""}}
	for i, w := range want {
		index = i
		got := send(t, server, "PUT", "/things/1", good, `{"name":"n","items":[]}`)
		if got.status != w.status || (w.code != "" && got.body["code"] != w.code) {
			t.Errorf("answer %d: %d %v", i, got.status, got.body)
		}
		if i == 1 && got.header.Get("Retry-After") != "5" {
			t.Error("the HTTPError's headers are sent")
		}
		if i == 5 && got.body["message"] != "teapot" {
			t.Error("the default response's body is sent")
		}
	}
	if len(reported) != 4 || !errors.Is(reported[0], fail) {
		t.Errorf("reported %v", reported)
	}
}

// The client side of the test operation, against a scripted server.
func scripted(t *testing.T, status int, header map[string]string, body string, seen *http.Request) *transport {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			*seen = *r.Clone(context.Background())
			data, _ := io.ReadAll(r.Body)
			seen.Body = io.NopCloser(strings.NewReader(string(data)))
		}
		for name, value := range header {
			w.Header().Set(name, value)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(server.Close)
	tr, err := newTransport(server.URL+"/base/", nil, http.Header{"X-Everywhere": {"1"}}, map[string]CredentialSource{"supportTestBearer": StaticCredential("token")})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTheClientWritesTheRequestAsTheSpecSays(t *testing.T) {
	var seen http.Request
	tr := scripted(t, 200, map[string]string{"Retry-After": " 12 ", "X-Note": "hi"}, `{"count": 2, "extra": true}`, &seen)
	tags := []string{"a b", "c"}
	ids := []int32{1, 2}
	got, err := tr.call(context.Background(), testOperation, []any{int64(5), &tags, "fast", &ids}, map[string]any{"name": "n", "items": []any{}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if seen.Method != "PUT" || seen.URL.Path != "/base/things/5" || seen.URL.RawQuery != "tag=a+b&tag=c&ids=1,2" || seen.Header.Get("X-Mode") != "fast" ||
		seen.Header.Get("Authorization") != "Bearer token" || seen.Header.Get("Content-Type") != "application/json" || seen.Header.Get("X-Everywhere") != "1" {
		t.Errorf("sent %s %s %v", seen.Method, seen.URL, seen.Header)
	}
	if data, _ := io.ReadAll(seen.Body); string(data) != `{"items":[],"name":"n"}` {
		t.Errorf("body %s", data)
	}
	var body struct {
		Count int64 `json:"count"`
	}
	var retryAfter *int64
	var note *string
	if err := got.decode(&body); err != nil || body.Count != 2 {
		t.Fatal(body, err)
	}
	if err := got.headerValue(0, &retryAfter); err != nil || retryAfter == nil || *retryAfter != 12 {
		t.Fatal(retryAfter, err)
	}
	if err := got.headerValue(1, &note); err != nil || *note != "hi" {
		t.Fatal(note, err)
	}
	if got.unexpected() == nil {
		t.Fatal("unexpected() is an error")
	}
}

func TestTheClientRefusesRequestsItCannotWrite(t *testing.T) {
	tr := scripted(t, 204, nil, "", nil)
	comma := []int32{}
	_, err := tr.call(context.Background(), testOperation, []any{int64(5), nil, "fast", &comma}, nil, false)
	if err != nil {
		t.Fatalf("an empty delimited query array is sent empty: %v", err)
	}
	var invalid *InvalidRequestError
	_, err = scripted(t, 200, nil, "", nil).call(context.Background(), testOpen, []any{""}, nil, false)
	if err != nil {
		t.Fatalf("an empty scalar path parameter is sent: %v", err)
	}
	bad := []string{"a,b"}
	_, err = tr.call(context.Background(), &operationSpec{id: "x", method: "GET", path: "/x", parameters: []parameterSpec{{name: "h", location: "header", schema: mustSchema(`{"type":"array","items":{"type":"string"}}`), separator: ","}}}, []any{&bad}, nil, false)
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "separates") {
		t.Fatalf("%v", err)
	}
}

func TestTheClientReadsRepliesLiberallyButChecksThem(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{200, `{"count": "2"}`, "invalid"},
		{200, `not json`, "invalid"},
		{200, `{"count": 2}`, "ok"},
		{204, `ignored`, "ok"},
		{418, `{"message": "teapot"}`, "ok"},
		{418, `{}`, "invalid"},
	}
	for _, c := range cases {
		tr := scripted(t, c.status, map[string]string{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, c.body, nil)
		got, err := tr.call(context.Background(), testOperation, []any{int64(1), nil, "slow", nil}, map[string]any{}, true)
		var invalid *InvalidResponseError
		switch c.want {
		case "ok":
			if err != nil || got.status != c.status {
				t.Errorf("%d %s: %v", c.status, c.body, err)
			}
			if c.status == 200 && len(got.headers) > 0 && got.headers[0] != nil {
				t.Error("a Retry-After date is not an integer")
			}
		case "invalid":
			if !errors.As(err, &invalid) || invalid.Status != c.status || invalid.Header.Get("Retry-After") == "" || invalid.Error() == "" {
				t.Errorf("%d %s: %v", c.status, c.body, err)
			}
		}
	}
	tr := scripted(t, 404, nil, "nope", nil)
	_, err := tr.call(context.Background(), testOpen, []any{"a/b"}, nil, false)
	var unexpected *UnexpectedResponseError
	if !errors.As(err, &unexpected) || unexpected.Status != 404 || string(unexpected.Body) != "nope" || !strings.Contains(unexpected.Error(), "404") {
		t.Fatalf("%v", err)
	}
}

func TestTheClientNeedsAnHTTPBaseURL(t *testing.T) {
	for _, base := range []string{"ftp://x", "::", ""} {
		if _, err := newTransport(base, nil, nil, nil); err == nil {
			t.Errorf("%q accepted", base)
		}
	}
	tr := scripted(t, 204, nil, "", nil)
	tr.credentials["supportTestBearer"] = func(context.Context) (string, error) { return "", fmt.Errorf("no token") }
	if _, err := tr.call(context.Background(), testOperation, []any{int64(1), nil, "slow", nil}, map[string]any{}, true); err == nil {
		t.Error("a credential source's error is the call's")
	}
}

func TestFormFieldsAreReadAsBrowsersWriteThem(t *testing.T) {
	parts := formParts("a=x+y%26z&&b&c=%zz%4&d=%C3%A9%FF&=e")
	got := make([][2]string, len(parts))
	for i, p := range parts {
		got[i] = [2]string{p.name, p.text}
	}
	want := [][2]string{{"a", "x y&z"}, {"b", ""}, {"c", "%zz%4"}, {"d", "é\uFFFD"}, {"", "e"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAFieldsTextIsTheValueItsSchemaNames(t *testing.T) {
	integer := &schema{kind: "integer"}
	boolean := &schema{kind: "boolean"}
	text := &schema{kind: "string"}
	cases := []struct {
		s    *schema
		text string
		want any
	}{
		{integer, " 7 ", json.Number("7")},
		{integer, "1e999", "1e999"},
		{integer, "07", "07"},
		{integer, "x", "x"},
		{boolean, "true", true},
		{boolean, " false", false},
		{boolean, "yes", "yes"},
		{text, " 7 ", " 7 "},
	}
	for _, c := range cases {
		if got := fieldValue(c.s, c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q: got %#v, want %#v", c.s.kind, c.text, got, c.want)
		}
	}
}

func TestAMultipartBodyRoundTripsThroughTheClientsEncoding(t *testing.T) {
	spec := &bodySpec{
		schema:      &schema{kind: "object", properties: []property{{name: "n", schema: &schema{kind: "integer"}}, {name: "f", schema: &schema{kind: "string", format: "binary"}}}},
		contentType: "multipart/form-data",
		encoding:    "multipart",
		files:       []string{"f"},
	}
	body := testUpload{N: 3, F: File{Bytes: []byte("\x00\xff"), Filename: `a "b".bin`}}
	data, contentType, err := encodeBody(spec, body)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := multipartParts(contentType, data, spec.files)
	if err != nil {
		t.Fatal(err)
	}
	var problems Violations
	value, files := formValue(spec, parts, &problems)
	if !problems.Valid() {
		t.Fatalf("violations %v", problems.Listed)
	}
	if got := string(jsonText(value)); got != `{"n":3,"f":""}` {
		t.Errorf("value %s", got)
	}
	want := map[string][]File{"f": {{Bytes: []byte("\x00\xff"), Filename: `a "b".bin`, MediaType: "application/octet-stream"}}}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files %+v, want %+v", files, want)
	}
}

type testUpload struct {
	N int  `json:"n"`
	F File `json:"-"`
}

func (b testUpload) multipartFiles() map[string][]File {
	return map[string][]File{"f": {b.F}}
}
