package api

//lint:file-ignore U1000 the support code is the same for every spec, and a spec may not use all of it.

// The description of the spec's operations that the server and the client run
// on. operations.go fills it in for each operation.

// parameterSpec is a parameter as the server reads it and the client writes it.
type parameterSpec struct {
	name     string
	location string // "path", "query" or "header"
	required bool
	schema   *schema
	// separator joins an array's items in one value ("," in the path and headers
	// and in the query with explode false, " " or "|" for the delimited styles);
	// empty: the query key repeats, one item per value.
	separator string
}

// headerSpec is a response header.
type headerSpec struct {
	name   string
	schema *schema
}

// bodySpec is an operation's request body.
type bodySpec struct {
	schema      *schema
	required    bool
	contentType string
	// encoding is how the body travels: "json", "form" (the form fields a
	// struct's properties), "multipart" (one part per value, files included),
	// "text" (a string as UTF-8) or "binary" (raw bytes, a File).
	encoding string
	// files are a multipart body's file properties.
	files []string
}

// responseSpec is one status (or the default) of an operation.
type responseSpec struct {
	// body is nil for a response without content.
	body        *schema
	contentType string
	// encoding is "json", "text" or "binary", as for a request body.
	encoding string
	headers  []headerSpec
}

// File is a file part of a multipart body, or the raw bytes of a body
// (`application/octet-stream`, `image/png`, ...).
type File struct {
	// Bytes are the file's content.
	Bytes []byte
	// Filename is the file name the part gave (empty for raw bytes). The client
	// sends a file without one named after its property.
	Filename string
	// MediaType is the part's (or body's) Content-Type; the client sends
	// application/octet-stream for a file without one.
	MediaType string
}

// multipartBody is a multipart body's struct: its file properties travel as
// parts beside the JSON encoding of the others.
type multipartBody interface {
	multipartFiles() map[string][]File
}

// multipartTarget is a multipart body's struct being filled in by the server.
type multipartTarget interface {
	setMultipartFiles(files map[string][]File)
}

// securityUse is a security scheme an operation accepts, with the scopes it needs.
type securityUse struct {
	scheme string
	scopes []string
}

// securitySchemeSpec is how a credential travels: kind "bearer" (the
// Authorization header), or "apiKey" in the header or query parameter name.
type securitySchemeSpec struct {
	kind     string
	location string
	name     string
}

// operationSpec is an operation as the server and the client run it.
type operationSpec struct {
	id     string
	method string
	path   string
	// security lists alternatives: satisfying every scheme of one is enough;
	// none: the operation is open.
	security   [][]securityUse
	parameters []parameterSpec
	body       *bodySpec
	responses  map[int]*responseSpec
	// fallback is the `default` response, if the operation has one.
	fallback *responseSpec
}

// response is the declared response of a status: its own, else the default.
func (o *operationSpec) response(status int) *responseSpec {
	if r, found := o.responses[status]; found {
		return r
	}
	return o.fallback
}
