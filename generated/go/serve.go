// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersyncwriteapi

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultBodyLimit is the largest request body Options accepts unless told
// otherwise: 4 MiB.
const DefaultBodyLimit = 4 << 20

// Options are the settings of Handler.
type Options struct {
	// BodyLimit is the largest accepted request body in bytes; larger ones get
	// 413. Zero means DefaultBodyLimit.
	BodyLimit int64
	// OnError is called with an error (or recovered panic) of the implementation,
	// which is answered with 500. Nil: such errors are not reported.
	OnError func(err error, request *http.Request)
}

// Credentials is a credential taken from a request.
type Credentials struct {
	// Scheme is the security scheme's name in the spec (`bearerAuth`).
	Scheme string
	// Secret is the bearer token or API key.
	Secret string
	// Scopes are the scopes the operation requires of this scheme; Authenticate
	// must refuse a token that does not grant them all.
	Scopes []string
}

// HTTPError is a request refused before (or instead of) reaching the
// implementation; an implementation may also return one to answer with an error
// status. The body is {code, message, violations?, violations_omitted?}, the
// shape of the spec's error response.
type HTTPError struct {
	Status            int
	Code              string
	Message           string
	Violations        []SchemaViolation
	ViolationsOmitted int
	// Header holds extra response headers (Allow, Retry-After, ...).
	Header http.Header
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// errorBody is the JSON body of an HTTPError.
type errorBody struct {
	Code              string            `json:"code"`
	Message           string            `json:"message"`
	Violations        []SchemaViolation `json:"violations,omitempty"`
	ViolationsOmitted int               `json:"violations_omitted,omitempty"`
}

// WriteError answers with the JSON body of e.
func WriteError(w http.ResponseWriter, e *HTTPError) {
	for name, values := range e.Header {
		for _, value := range values {
			w.Header().Add(name, value)
		}
	}
	body, _ := json.Marshal(errorBody{Code: e.Code, Message: e.Message, Violations: e.Violations, ViolationsOmitted: e.ViolationsOmitted})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

type contextKey int

const (
	principalKey contextKey = iota
	requestKey
)

// PrincipalFrom is who made the request, as Authenticate decided; false for an
// operation that needs no credentials.
func PrincipalFrom(ctx context.Context) (any, bool) {
	principal, found := ctx.Value(principalKey).(principalValue)
	return principal.value, found
}

type principalValue struct{ value any }

// RequestFrom is the HTTP request being served, for what the spec does not
// describe.
func RequestFrom(ctx context.Context) *http.Request {
	request, _ := ctx.Value(requestKey).(*http.Request)
	return request
}

// Response is a typed response of an operation.
type Response interface {
	reply() reply
}

// reply is a typed response as the server writes it.
type reply struct {
	status int
	body   any
	// hasBody is false for a response without content.
	hasBody bool
	// headers are the declared response headers' values, in their order (nil
	// pointers are left out).
	headers []any
}

// authenticator is the implementation's Authenticate.
type authenticator func(ctx context.Context, credentials Credentials) (any, bool, error)

// route is an operation the handler serves.
type route struct {
	spec   *operationSpec
	invoke func(ctx context.Context, in *decoded) (Response, error)
}

// decoded is a request as the handler read and validated it.
type decoded struct {
	// params are the parameters' values as JSON text, in the operation's order
	// (nil: absent).
	params [][]byte
	// body is the body's JSON text (nil: absent).
	body []byte
	// file is a body of raw bytes (nil: absent).
	file *File
	// files are a multipart body's file parts, by property.
	files map[string][]File
}

// param decodes parameter i into into, left as it is when the parameter is absent.
func (d *decoded) param(i int, into any) error {
	if d.params[i] == nil {
		return nil
	}
	return json.Unmarshal(d.params[i], into)
}

// decodeBody decodes the body into into, left as it is when absent: raw bytes
// into a File (or *File), anything else from its JSON text, then a multipart
// body's files into their fields.
func (d *decoded) decodeBody(into any) error {
	if d.file != nil {
		switch target := into.(type) {
		case *File:
			*target = *d.file
		case **File:
			*target = d.file
		}
		return nil
	}
	if d.body == nil {
		return nil
	}
	if err := json.Unmarshal(d.body, into); err != nil {
		return err
	}
	if d.files != nil {
		// into is *T, or **T for an optional body.
		v := reflect.ValueOf(into)
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			if target, ok := v.Interface().(multipartTarget); ok {
				target.setMultipartFiles(d.files)
				break
			}
			v = v.Elem()
		}
	}
	return nil
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// serve is the handler of every operation of routes.
func serve(options Options, authenticate authenticator, routes []route) http.Handler {
	if options.BodyLimit <= 0 {
		options.BodyLimit = DefaultBodyLimit
	}
	mux := http.NewServeMux()
	// Operations with the same path shape share one pattern; the handler picks by
	// method, answering 405 with JSON for the others.
	var patterns []string
	byPattern := map[string][]route{}
	for _, r := range routes {
		index := 0
		pattern := wildcard.ReplaceAllStringFunc(r.spec.path, func(string) string {
			index++
			return "{p" + strconv.Itoa(index-1) + "}"
		})
		if _, found := byPattern[pattern]; !found {
			patterns = append(patterns, pattern)
		}
		byPattern[pattern] = append(byPattern[pattern], r)
	}
	for _, pattern := range patterns {
		group := byPattern[pattern]
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			dispatch(w, r, options, authenticate, group)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, &HTTPError{Status: http.StatusNotFound, Code: "NOT_FOUND", Message: "no operation at " + r.URL.Path})
	})
	return mux
}

func dispatch(w http.ResponseWriter, r *http.Request, options Options, authenticate authenticator, group []route) {
	// HEAD is answered as GET; net/http leaves the body out of a HEAD reply.
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	var found *route
	var allowed []string
	for i := range group {
		allowed = append(allowed, group[i].spec.method)
		if group[i].spec.method == http.MethodGet {
			allowed = append(allowed, http.MethodHead)
		}
		if group[i].spec.method == method {
			found = &group[i]
		}
	}
	if found == nil {
		allow := strings.Join(allowed, ", ")
		WriteError(w, &HTTPError{
			Status:  http.StatusMethodNotAllowed,
			Code:    "METHOD_NOT_ALLOWED",
			Message: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, allow),
			Header:  http.Header{"Allow": {allow}},
		})
		return
	}
	failed := func(err error) {
		var rejection *HTTPError
		if errors.As(err, &rejection) {
			WriteError(w, rejection)
			return
		}
		if options.OnError != nil {
			options.OnError(err, r)
		}
		WriteError(w, &HTTPError{Status: http.StatusInternalServerError, Code: "INTERNAL_ERROR", Message: "internal error"})
	}
	defer func() {
		if recovered := recover(); recovered != nil {
			if recovered == http.ErrAbortHandler {
				panic(recovered)
			}
			failed(fmt.Errorf("the implementation panicked: %v", recovered))
		}
	}()
	ctx := context.WithValue(r.Context(), requestKey, r)
	principal, err := authenticateRequest(ctx, authenticate, found.spec, r)
	if err != nil {
		failed(err)
		return
	}
	if principal != nil {
		ctx = context.WithValue(ctx, principalKey, *principal)
	}
	in, err := decodeRequest(found.spec, r, options.BodyLimit)
	if err != nil {
		failed(err)
		return
	}
	response, err := found.invoke(ctx, in)
	if err != nil {
		failed(err)
		return
	}
	if response == nil {
		failed(fmt.Errorf("%s returned no response", found.spec.id))
		return
	}
	if err := writeResponse(w, found.spec, response.reply()); err != nil {
		failed(err)
	}
}

var bearer = regexp.MustCompile(`(?i)^Bearer +(\S+) *$`)

// credential is the credential a request carries for one scheme, if any.
func credential(use securityUse, r *http.Request) (Credentials, bool) {
	spec, found := securitySchemes[use.scheme]
	if !found {
		return Credentials{}, false
	}
	var secret string
	switch {
	case spec.kind == "bearer":
		if match := bearer.FindStringSubmatch(r.Header.Get("Authorization")); match != nil {
			secret = match[1]
		}
	case spec.location == "header":
		secret = r.Header.Get(spec.name)
	default:
		secret = r.URL.Query().Get(spec.name)
	}
	if secret == "" {
		return Credentials{}, false
	}
	return Credentials{Scheme: use.scheme, Secret: secret, Scopes: use.scopes}, true
}

// authenticateRequest is the principal of the first security alternative whose
// credentials are all present and accepted, tried in the spec's order; nil for
// an open operation. When none is accepted: 401.
func authenticateRequest(ctx context.Context, authenticate authenticator, spec *operationSpec, r *http.Request) (*principalValue, error) {
	if len(spec.security) == 0 {
		return nil, nil
	}
	refused := false
alternatives:
	for _, alternative := range spec.security {
		// An empty alternative makes credentials optional.
		if len(alternative) == 0 {
			return nil, nil
		}
		var found []Credentials
		for _, use := range alternative {
			c, ok := credential(use, r)
			if !ok {
				continue alternatives
			}
			found = append(found, c)
		}
		var principal *principalValue
		for _, c := range found {
			if authenticate == nil {
				refused = true
				continue alternatives
			}
			accepted, ok, err := authenticate(ctx, c)
			if err != nil {
				return nil, err
			}
			if !ok {
				refused = true
				continue alternatives
			}
			if principal == nil {
				principal = &principalValue{value: accepted}
			}
		}
		return principal, nil
	}
	message := "missing or malformed credentials"
	if refused {
		message = "the credentials were refused"
	}
	return nil, &HTTPError{Status: http.StatusUnauthorized, Code: "UNAUTHENTICATED", Message: message}
}

func invalid(found *Violations) *HTTPError {
	return &HTTPError{
		Status:            http.StatusBadRequest,
		Code:              "INVALID_REQUEST",
		Message:           "the request does not match the schema",
		Violations:        found.Listed,
		ViolationsOmitted: found.Omitted,
	}
}

var numeric = regexp.MustCompile(`^-?\d+(\.\d+)?([eE][+-]?\d+)?$`)

// scalar is a parameter's text as its schema's type: a number or boolean when
// it reads as one, else the text, which validation then refuses.
func scalar(s *schema, text string) any {
	switch resolve(s).kind {
	case "integer", "number":
		if numeric.MatchString(text) {
			return json.Number(text)
		}
	case "boolean":
		if text == "true" {
			return true
		}
		if text == "false" {
			return false
		}
	}
	return text
}

// fromText reads a parameter's texts into the value its schema describes.
func fromText(p *parameterSpec, texts []string) any {
	s := resolve(p.schema)
	if s == nil || s.kind != "array" {
		return scalar(p.schema, texts[0])
	}
	items := []any{}
	if p.separator == "" {
		for _, text := range texts {
			items = append(items, scalar(s.items, text))
		}
		return items
	}
	header := p.location == "header"
	for _, text := range texts {
		if header {
			text = strings.TrimSpace(text)
		}
		if text == "" {
			continue
		}
		for _, item := range strings.Split(text, p.separator) {
			if header {
				item = strings.TrimSpace(item)
			}
			items = append(items, scalar(s.items, item))
		}
	}
	return items
}

// decodeRequest reads the parameters and the body, validating them: 400 with
// every violation (the first MaxViolations listed), 413, 415.
func decodeRequest(spec *operationSpec, r *http.Request, limit int64) (*decoded, error) {
	in := &decoded{params: make([][]byte, len(spec.parameters))}
	var problems Violations
	wildcards := wildcard.FindAllString(spec.path, -1)
	for i := range spec.parameters {
		p := &spec.parameters[i]
		at := p.location + "." + p.name
		var texts []string
		switch p.location {
		case "path":
			for w, name := range wildcards {
				if name == "{"+p.name+"}" {
					text := r.PathValue("p" + strconv.Itoa(w))
					if !utf8.ValidString(text) {
						problems.add(func() SchemaViolation {
							return SchemaViolation{Path: at, Keyword: "type", Message: fmt.Sprintf("the path parameter `%s` is not valid percent-encoded UTF-8", p.name)}
						})
						continue
					}
					texts = []string{text}
				}
			}
			if texts == nil {
				continue
			}
		case "query":
			texts = r.URL.Query()[p.name]
		case "header":
			if values := r.Header.Values(p.name); len(values) > 0 {
				texts = []string{strings.Join(values, ", ")}
			}
		}
		if len(texts) == 0 {
			if p.required {
				problems.add(func() SchemaViolation {
					return SchemaViolation{Path: at, Keyword: "required", Message: fmt.Sprintf("the %s parameter `%s` is required", p.location, p.name)}
				})
			}
			continue
		}
		value := fromText(p, texts)
		validateValue(p.schema, value, at, &problems)
		in.params[i] = jsonText(project(p.schema, value))
	}
	if spec.body != nil {
		if err := readBody(spec.body, r, limit, &problems, in); err != nil {
			return nil, err
		}
	}
	if len(problems.Listed) > 0 {
		return nil, invalid(&problems)
	}
	return in, nil
}

// isJSON reports whether a media type is JSON (application/json or
// application/*+json).
func isJSON(contentType string) bool {
	essence, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		essence = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	return essence == "application/json" || (strings.HasPrefix(essence, "application/") && strings.HasSuffix(essence, "+json"))
}

func tooLarge(limit int64) *HTTPError {
	return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "PAYLOAD_TOO_LARGE", Message: fmt.Sprintf("the body exceeds %d bytes", limit)}
}

func unsupported(message string) *HTTPError {
	return &HTTPError{Status: http.StatusUnsupportedMediaType, Code: "UNSUPPORTED_MEDIA_TYPE", Message: message}
}

// readBody reads, parses and validates (into problems) a body into in.
func readBody(spec *bodySpec, r *http.Request, limit int64, problems *Violations, in *decoded) error {
	if spec.encoding != "" && spec.encoding != "json" {
		return readOtherBody(spec, r, limit, problems, in)
	}
	body, err := readJSONBody(spec, r, limit, problems)
	in.body = body
	return err
}

// readJSONBody reads, parses and validates (into problems) a JSON body; the
// result is the JSON text typed decoding reads (nil for an absent optional body).
func readJSONBody(spec *bodySpec, r *http.Request, limit int64, problems *Violations) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	contentType := r.Header.Get("Content-Type")
	if contentType != "" && !isJSON(contentType) {
		return nil, unsupported(fmt.Sprintf("expected a JSON content type, found `%s`", contentType))
	}
	data, err := readLimited(r, limit)
	if err != nil {
		return nil, err
	}
	if contentType == "" {
		if len(data) == 0 && !spec.required {
			return nil, nil
		}
		return nil, unsupported("expected a JSON content type, found none")
	}
	if len(data) == 0 && !spec.required {
		return nil, nil
	}
	value, err := parseJSON(data)
	if err != nil {
		return nil, &HTTPError{Status: http.StatusBadRequest, Code: "INVALID_REQUEST", Message: "the body is not valid JSON: " + err.Error()}
	}
	return checkBody(spec.schema, value, problems), nil
}

// checkBody validates a body into problems and gives the JSON text typed
// decoding reads. With per-item arrays, only the envelope can refuse it (the
// whole body is then reported, as without them), and each item of those arrays
// is reported on its own, for Checked.
func checkBody(s *schema, value any, problems *Violations) []byte {
	arrays := perItemArrays(s)
	if len(arrays) > 0 {
		var envelope Violations
		validateEnvelope(s, value, "$", &envelope)
		if envelope.Valid() {
			object := project(s, value).(*jsonObject)
			original := value.(*jsonObject)
			for _, array := range arrays {
				items, _ := original.values[array.name].([]any)
				if items == nil {
					continue
				}
				path := propertyPath("$", array.name)
				checked := make([]any, len(items))
				for i, item := range items {
					var found Violations
					validateValue(array.schema, item, itemPath(path, i), &found)
					wire := newJSONObject()
					wire.set("raw", item)
					if found.Valid() {
						wire.set("value", project(array.schema, item))
					} else {
						wire.set("violations", found.Listed)
						wire.set("violations_omitted", found.Omitted)
					}
					checked[i] = wire
				}
				object.set(array.name, checked)
			}
			return jsonText(object)
		}
	}
	validateValue(s, value, "$", problems)
	return jsonText(project(s, value))
}

// headerText is a response header's value as text: a string as it is, an
// array's items comma-separated; ok false for null.
func headerText(value any) (string, bool) {
	data, err := json.Marshal(value)
	if err != nil {
		return "", false
	}
	parsed, err := parseJSON(data)
	if err != nil {
		return "", false
	}
	return plainText(parsed)
}

func plainText(value any) (string, bool) {
	switch v := value.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case []any:
		texts := make([]string, 0, len(v))
		for _, item := range v {
			text, ok := plainText(item)
			if ok {
				texts = append(texts, text)
			}
		}
		return strings.Join(texts, ","), true
	default:
		return string(jsonText(v)), true
	}
}

// writeResponse writes a typed response: its declared headers, then its body
// as JSON, UTF-8 text or raw bytes.
func writeResponse(w http.ResponseWriter, spec *operationSpec, out reply) error {
	if out.status < 100 || out.status > 999 {
		return fmt.Errorf("%s: %d is not an HTTP status", spec.id, out.status)
	}
	declared := spec.response(out.status)
	var body []byte
	if declared != nil && declared.body != nil && out.hasBody {
		var err error
		switch declared.encoding {
		case "binary":
			switch file := out.body.(type) {
			case File:
				body = file.Bytes
			case *File:
				if file != nil {
					body = file.Bytes
				}
			}
			if body == nil {
				body = []byte{}
			}
			w.Header().Set("Content-Type", declared.contentType)
		case "text":
			var data []byte
			var text string
			if data, err = json.Marshal(out.body); err == nil {
				err = json.Unmarshal(data, &text)
			}
			if err != nil {
				return fmt.Errorf("%s: the %d response's text: %w", spec.id, out.status, err)
			}
			body = []byte(text)
			w.Header().Set("Content-Type", textContentType(declared.contentType))
		default:
			if body, err = json.Marshal(out.body); err != nil {
				return fmt.Errorf("%s: encoding the %d response: %w", spec.id, out.status, err)
			}
			w.Header().Set("Content-Type", declared.contentType)
		}
	}
	if declared != nil {
		for i, header := range declared.headers {
			if i >= len(out.headers) {
				break
			}
			if text, ok := headerText(out.headers[i]); ok {
				w.Header().Set(header.name, text)
			}
		}
	}
	w.WriteHeader(out.status)
	if body != nil {
		_, _ = io.Copy(w, bytes.NewReader(body))
	}
	return nil
}
