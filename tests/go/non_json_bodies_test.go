// Bodies that are not JSON, on the package generated from the `non_json_bodies`
// feature fixture: the client and the handler (on a real port) in a form, a
// multipart upload with files, raw bytes and text; 415 for another media type,
// 400 with the violations' paths for invalid fields (as for a JSON body), 400
// for malformed multipart or text that is not UTF-8, 413 over the body limit.
package gotests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	nj "feature-non-json-bodies"
)

// png is the first bytes of a PNG file: not UTF-8.
var png = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff}

// recorder records what reaches the implementation, and answers from it.
type recorder struct {
	mu       sync.Mutex
	profiles []nj.Profile
	uploads  []nj.UploadRequestModel
	notes    []*string
	blobs    []nj.File
}

func (r *recorder) SaveProfile(_ context.Context, request nj.SaveProfileRequest) (nj.SaveProfileResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	profile := request.Body
	r.profiles = append(r.profiles, profile)
	return nj.SaveProfile200Response{Body: profile}, nil
}

func (r *recorder) Upload(_ context.Context, request nj.UploadRequest) (nj.UploadResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	body := request.Body
	r.uploads = append(r.uploads, body)
	received := nj.Received{
		FileSize:    int64(len(body.File.Bytes)),
		FileType:    &body.File.MediaType,
		Attachments: []int64{},
		Description: body.Description,
	}
	if body.File.Filename != "" {
		received.FileName = &body.File.Filename
	}
	for _, a := range body.Attachments {
		received.Attachments = append(received.Attachments, int64(len(a.Bytes)))
	}
	count := int64(body.Count)
	received.Count = &count
	received.Labels = body.Labels
	return nj.Upload201Response{Body: received}, nil
}

func (r *recorder) GetBlobPreview(_ context.Context, request nj.GetBlobPreviewRequest) (nj.GetBlobPreviewResponse, error) {
	if request.Name == "logo" {
		return nj.GetBlobPreview200Response{Body: nj.File{Bytes: png}}, nil
	}
	return nj.GetBlobPreview404Response{Body: "no blob called " + request.Name + " (ü)"}, nil
}

func (r *recorder) PutBlob(_ context.Context, request nj.PutBlobRequest) (nj.PutBlobResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobs = append(r.blobs, request.Body)
	return nj.PutBlob200Response{Body: request.Body}, nil
}

func (r *recorder) AddNote(_ context.Context, request nj.AddNoteRequest) (nj.AddNoteResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, request.Body)
	text := ""
	if request.Body != nil {
		text = strings.ToUpper(*request.Body)
	}
	return nj.AddNote200Response{Body: text}, nil
}

func (r *recorder) AddPet(_ context.Context, request nj.AddPetRequest) (nj.AddPetResponse, error) {
	pet := request.Body
	return nj.AddPet200Response{Body: pet}, nil
}

func nonJSONServer(t *testing.T, limit int64) (*recorder, *nj.Client, *httptest.Server) {
	t.Helper()
	impl := &recorder{}
	s := httptest.NewServer(nj.Handler(impl, nj.Options{BodyLimit: limit, OnError: func(err error, _ *http.Request) { t.Errorf("implementation error: %v", err) }}))
	t.Cleanup(s.Close)
	client, err := nj.NewClient(nj.ClientOptions{BaseURL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	return impl, client, s
}

type rawReply struct {
	status      int
	contentType string
	data        []byte
	body        map[string]any
}

func send(t *testing.T, s *httptest.Server, method, path, contentType string, body []byte) rawReply {
	t.Helper()
	request, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if contentType != "" {
		request.Header.Set("Content-Type", contentType)
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	data, _ := io.ReadAll(response.Body)
	out := rawReply{status: response.StatusCode, contentType: response.Header.Get("Content-Type"), data: data}
	if strings.HasPrefix(out.contentType, "application/json") {
		if err := json.Unmarshal(data, &out.body); err != nil {
			t.Fatalf("%s %s: %q is not JSON", method, path, data)
		}
	}
	return out
}

// violationPaths are the (path, keyword) pairs of a 400's violations.
func violationPaths(t *testing.T, r rawReply) [][2]string {
	t.Helper()
	if r.status != 400 {
		t.Fatalf("expected 400, got %d: %s", r.status, r.data)
	}
	list, _ := r.body["violations"].([]any)
	out := [][2]string{}
	for _, v := range list {
		v := v.(map[string]any)
		out = append(out, [2]string{v["path"].(string), v["keyword"].(string)})
	}
	return out
}

const formType = "application/x-www-form-urlencoded"

type part struct {
	name, filename, contentType, content string
}

// multipartBody is a hand-written multipart body of parts.
func multipartBody(parts []part) (string, []byte) {
	const boundary = "XyZzy-boundary"
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"")
		if p.filename != "" {
			b.WriteString("; filename=\"" + p.filename + "\"")
		}
		b.WriteString("\r\n")
		if p.contentType != "" {
			b.WriteString("Content-Type: " + p.contentType + "\r\n")
		}
		b.WriteString("\r\n" + p.content + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return "multipart/form-data; boundary=" + boundary, b.Bytes()
}

func ptr[T any](v T) *T { return &v }

func TestAFormArrivesAsTheTypedBody(t *testing.T) {
	impl, client, _ := nonJSONServer(t, 64<<10)
	color := nj.ProfileColorGreen
	profile := nj.Profile{Name: "Zoë & Ann = a+b %20", Age: ptr(int32(41)), Score: ptr(-2.5), Subscribed: ptr(false), Tags: &[]string{"a b", "", "c,d"}, Color: &color}
	reply, err := client.SaveProfile(context.Background(), nj.SaveProfileRequest{Body: profile})
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.(nj.SaveProfile200Response).Body; !reflect.DeepEqual(got, profile) {
		t.Errorf("reply %+v, want %+v", got, profile)
	}
	if _, err := client.SaveProfile(context.Background(), nj.SaveProfileRequest{Body: nj.Profile{Name: "x"}}); err != nil {
		t.Fatal(err)
	}
	want := []nj.Profile{profile, {Name: "x"}}
	if !reflect.DeepEqual(impl.profiles, want) {
		t.Errorf("the implementation got %+v, want %+v", impl.profiles, want)
	}
}

func TestFormFieldsAreValidatedLikeJSONProperties(t *testing.T) {
	_, _, s := nonJSONServer(t, 64<<10)
	r := send(t, s, "POST", "/profiles", formType, []byte("name=&age=abc&age=1&score=1e999&subscribed=maybe&tags=a&tags=b&tags=c&tags=d&color=blue"))
	if r.body["code"] != "INVALID_REQUEST" {
		t.Errorf("code %v", r.body["code"])
	}
	want := [][2]string{{"$.name", "minLength"}, {"$.age", "type"}, {"$.score", "type"}, {"$.subscribed", "type"}, {"$.tags", "maxItems"}, {"$.color", "enum"}}
	if got := violationPaths(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	r = send(t, s, "POST", "/profiles", formType, []byte("age=-1&age=x"))
	if got, want := violationPaths(t, r), [][2]string{{"$.name", "required"}, {"$.age", "minimum"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	r = send(t, s, "POST", "/profiles", formType, []byte("name=x&age=4294967296"))
	if got, want := violationPaths(t, r), [][2]string{{"$.age", "format"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
}

func TestAFormsMediaTypeIsCheckedParametersAside(t *testing.T) {
	impl, _, s := nonJSONServer(t, 64<<10)
	r := send(t, s, "POST", "/profiles", "application/json", []byte(`{"name":"x"}`))
	if r.status != 415 || r.body["code"] != "UNSUPPORTED_MEDIA_TYPE" {
		t.Fatalf("%d %s", r.status, r.data)
	}
	if want := "expected the content type `application/x-www-form-urlencoded`, found `application/json`"; r.body["message"] != want {
		t.Errorf("message %q", r.body["message"])
	}
	r = send(t, s, "POST", "/profiles", "Application/X-WWW-Form-URLEncoded; charset=UTF-8", []byte("name=x+y%26z&age=%207&unknown=1&tags=one&bad=%zz"))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.data)
	}
	want := nj.Profile{Name: "x y&z", Age: ptr(int32(7)), Tags: &[]string{"one"}}
	if got := impl.profiles[len(impl.profiles)-1]; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestAMultipartUploadArrivesWithItsFiles(t *testing.T) {
	impl, client, _ := nonJSONServer(t, 64<<10)
	labels := []nj.Label{nj.LabelFinal, nj.LabelDraft}
	reply, err := client.Upload(context.Background(), nj.UploadRequest{Body: nj.UploadRequestModel{
		File:        nj.File{Bytes: png, Filename: "logo.png", MediaType: "image/png"},
		Attachments: []nj.File{{Bytes: []byte("first"), Filename: "a.txt", MediaType: "text/plain"}, {Bytes: make([]byte, 3000)}},
		Description: ptr("é, & and ="),
		Count:       2,
		Labels:      &labels,
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := nj.Received{FileSize: int64(len(png)), FileType: ptr("image/png"), FileName: ptr("logo.png"), Attachments: []int64{5, 3000}, Description: ptr("é, & and ="), Count: ptr(int64(2)), Labels: &labels}
	if got := reply.(nj.Upload201Response).Body; !reflect.DeepEqual(got, want) {
		t.Errorf("reply %+v, want %+v", got, want)
	}
	got := impl.uploads[0]
	if !bytes.Equal(got.File.Bytes, png) {
		t.Errorf("file bytes %v", got.File.Bytes)
	}
	// A file without a name is sent named after its field, as bytes.
	second := got.Attachments[1]
	if second.Filename != "attachments" || second.MediaType != "application/octet-stream" || !bytes.Equal(second.Bytes, make([]byte, 3000)) {
		t.Errorf("second attachment %q %q %d bytes", second.Filename, second.MediaType, len(second.Bytes))
	}
}

func TestMultipartFieldsAreValidatedLikeJSONProperties(t *testing.T) {
	impl, _, s := nonJSONServer(t, 64<<10)
	contentType, body := multipartBody([]part{
		{"count", "", "", "0"},
		{"description", "", "", "far more than twenty characters"},
		{"labels", "", "", "draft"},
		{"labels", "", "", "sketch"},
		{"attachments", "1", "", "1"},
		{"attachments", "2", "", "2"},
		{"attachments", "3", "", "3"},
		{"attachments", "4", "", "4"},
	})
	r := send(t, s, "POST", "/uploads", contentType, body)
	want := [][2]string{{"$.file", "required"}, {"$.attachments", "maxItems"}, {"$.description", "maxLength"}, {"$.count", "minimum"}, {"$.labels[1]", "enum"}}
	if got := violationPaths(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	if len(impl.uploads) != 0 {
		t.Errorf("the implementation was called")
	}
}

func TestAFilePartKeepsItsBytesNameAndMediaType(t *testing.T) {
	impl, _, s := nonJSONServer(t, 64<<10)
	contentType, body := multipartBody([]part{
		{"count", "", "", " 3 "},
		{"file", "doc.pdf", "application/pdf", "%PDF-1.7\r\n--not-a-boundary\r\n"},
		{"ignored", "", "", "whatever"},
	})
	r := send(t, s, "POST", "/uploads", contentType, body)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.data)
	}
	got := impl.uploads[0]
	if got.File.Filename != "doc.pdf" || got.File.MediaType != "application/pdf" || string(got.File.Bytes) != "%PDF-1.7\r\n--not-a-boundary\r\n" {
		t.Errorf("file %q %q %q", got.File.Filename, got.File.MediaType, got.File.Bytes)
	}
	if got.Count != 3 || got.Attachments != nil {
		t.Errorf("count %d, attachments %v", got.Count, got.Attachments)
	}
}

func TestMalformedMultipartIsA400(t *testing.T) {
	_, _, s := nonJSONServer(t, 64<<10)
	cases := []struct {
		contentType string
		body        []byte
	}{
		{"multipart/form-data", []byte("--x\r\n\r\n")},
		{"multipart/form-data; boundary=", nil},
		{"multipart/form-data; boundary=abc", []byte("no parts at all")},
		{"multipart/form-data; boundary=abc", []byte("--abc\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n1")},
		{"multipart/form-data; boundary=abc", []byte("--abc\r\nno headers end here")},
		{"multipart/form-data; boundary=abc", bytes.Repeat([]byte{0xff}, 64)},
	}
	for _, c := range cases {
		r := send(t, s, "POST", "/uploads", c.contentType, c.body)
		message, _ := r.body["message"].(string)
		if r.status != 400 || r.body["code"] != "INVALID_REQUEST" || !strings.HasPrefix(message, "the multipart body is malformed: ") {
			t.Errorf("%s %q: %d %s", c.contentType, c.body, r.status, r.data)
		}
	}
	if r := send(t, s, "POST", "/uploads", "text/plain", []byte("x")); r.status != 415 {
		t.Errorf("text/plain to a multipart operation: %d", r.status)
	}
}

func TestBytesAndTextTravelBothWays(t *testing.T) {
	impl, client, _ := nonJSONServer(t, 64<<10)
	ctx := context.Background()
	reply, err := client.PutBlob(ctx, nj.PutBlobRequest{Name: "logo", Body: nj.File{Bytes: png}})
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.(nj.PutBlob200Response).Body; !bytes.Equal(got.Bytes, png) || got.MediaType != "application/octet-stream" {
		t.Errorf("reply %q %q", got.Bytes, got.MediaType)
	}
	if got := impl.blobs[0]; !bytes.Equal(got.Bytes, png) || got.MediaType != "application/octet-stream" {
		t.Errorf("the implementation got %q %q", got.Bytes, got.MediaType)
	}
	reply, err = client.PutBlob(ctx, nj.PutBlobRequest{Name: "e"})
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.(nj.PutBlob200Response).Body; len(got.Bytes) != 0 {
		t.Errorf("empty blob came back as %q", got.Bytes)
	}

	preview, err := client.GetBlobPreview(ctx, nj.GetBlobPreviewRequest{Name: "logo"})
	if err != nil {
		t.Fatal(err)
	}
	if got := preview.(nj.GetBlobPreview200Response).Body; got.MediaType != "image/png" || !bytes.Equal(got.Bytes, png) {
		t.Errorf("preview %q %q", got.MediaType, got.Bytes)
	}
	missing, err := client.GetBlobPreview(ctx, nj.GetBlobPreviewRequest{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := missing.(nj.GetBlobPreview404Response).Body; got != "no blob called x (ü)" {
		t.Errorf("404 body %q", got)
	}

	note, err := client.AddNote(ctx, nj.AddNoteRequest{Body: ptr("grün")})
	if err != nil {
		t.Fatal(err)
	}
	if got := note.(nj.AddNote200Response).Body; got != "GRÜN" {
		t.Errorf("note %q", got)
	}
	note, err = client.AddNote(ctx, nj.AddNoteRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := note.(nj.AddNote200Response).Body; got != "" {
		t.Errorf("empty note %q", got)
	}
	if len(impl.notes) != 2 || impl.notes[0] == nil || *impl.notes[0] != "grün" || impl.notes[1] != nil {
		t.Errorf("notes %v", impl.notes)
	}
}

func TestTextIsUTF8AndCheckedAgainstItsSchema(t *testing.T) {
	_, _, s := nonJSONServer(t, 64<<10)
	r := send(t, s, "POST", "/notes", "text/plain", []byte{0x66, 0xff})
	if message, _ := r.body["message"].(string); r.status != 400 || !strings.HasPrefix(message, "the body is not UTF-8 text") {
		t.Errorf("%d %s", r.status, r.data)
	}
	r = send(t, s, "POST", "/notes", "text/plain; charset=utf-8", []byte("<b>bold</b>"))
	if got, want := violationPaths(t, r), [][2]string{{"$", "pattern"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v", got)
	}
	r = send(t, s, "POST", "/notes", "text/plain", []byte(strings.Repeat("x", 41)))
	if got, want := violationPaths(t, r), [][2]string{{"$", "maxLength"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v", got)
	}
	if r := send(t, s, "POST", "/notes", "text/html", []byte("hi")); r.status != 415 {
		t.Errorf("text/html: %d", r.status)
	}
	r = send(t, s, "POST", "/notes", "text/plain", []byte("hi"))
	if r.status != 200 || r.contentType != "text/plain; charset=utf-8" || string(r.data) != "HI" {
		t.Errorf("%d %q %q", r.status, r.contentType, r.data)
	}
}

func TestRawBytesNeedTheirMediaType(t *testing.T) {
	_, _, s := nonJSONServer(t, 64<<10)
	if r := send(t, s, "PUT", "/blobs/x", "", png); r.status != 415 {
		t.Errorf("without a content type: %d", r.status)
	}
	r := send(t, s, "PUT", "/blobs/x", "application/octet-stream", png)
	if r.status != 200 || r.contentType != "application/octet-stream" || !bytes.Equal(r.data, png) {
		t.Errorf("%d %q %q", r.status, r.contentType, r.data)
	}
}

func TestJSONIsUsedWhereItIsListedBesideXMLAndAForm(t *testing.T) {
	_, client, s := nonJSONServer(t, 64<<10)
	pet := nj.Pet{Name: "Rex", Photo: ptr("in JSON a binary string is a string")}
	reply, err := client.AddPet(context.Background(), nj.AddPetRequest{Body: pet})
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.(nj.AddPet200Response).Body; !reflect.DeepEqual(got, pet) {
		t.Errorf("pet %+v", got)
	}
	if r := send(t, s, "POST", "/pets", "application/xml", []byte("<pet><name>Rex</name></pet>")); r.status != 415 {
		t.Errorf("XML: %d", r.status)
	}
}

func TestTheBodyLimitHoldsForEveryEncoding(t *testing.T) {
	const limit = 1024
	_, _, s := nonJSONServer(t, limit)
	big := strings.Repeat("a", limit+1)
	uploadType, upload := multipartBody([]part{{"count", "", "", "1"}, {"file", "f", "", big}})
	cases := []struct{ path, method, contentType, body string }{
		{"/uploads", "POST", uploadType, string(upload)},
		{"/blobs/x", "PUT", "application/octet-stream", big},
		{"/notes", "POST", "text/plain", big},
		{"/profiles", "POST", formType, "name=" + big},
	}
	for _, c := range cases {
		// Once with its length declared, once streamed without it.
		for _, streamed := range []bool{false, true} {
			var body io.Reader = strings.NewReader(c.body)
			if streamed {
				body = io.MultiReader(body)
			}
			request, _ := http.NewRequest(c.method, s.URL+c.path, body)
			request.Header.Set("Content-Type", c.contentType)
			response, err := http.DefaultClient.Do(request)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(response.Body)
			response.Body.Close()
			if response.StatusCode != 413 || !strings.Contains(string(data), `"PAYLOAD_TOO_LARGE"`) {
				t.Errorf("%s (streamed %v): %d %s", c.path, streamed, response.StatusCode, data)
			}
		}
	}
}

func TestTheClientRefusesATextReplyThatIsNotUTF8(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte{0xff, 0xfe})
	}))
	t.Cleanup(s.Close)
	client, err := nj.NewClient(nj.ClientOptions{BaseURL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.AddNote(context.Background(), nj.AddNoteRequest{})
	var invalid *nj.InvalidResponseError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "not UTF-8 text") {
		t.Errorf("error %v", err)
	}
}
