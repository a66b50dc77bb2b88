// The Go conformance server (tests/conformance/README.md): the generated
// handler serving the in-memory implementation on 127.0.0.1:$PORT, with a body
// limit of 65536 bytes.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	api "powersync-write-api"
	"powersync-write-conformance/servers/go/memory"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		fmt.Fprintln(os.Stderr, "set PORT to the port to listen on (127.0.0.1:$PORT)")
		os.Exit(2)
	}
	handler := api.Handler(memory.Backend{}, api.Options{
		BodyLimit: 65536,
		OnError: func(err error, r *http.Request) {
			log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		},
	})
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		log.Fatalf("cannot listen on 127.0.0.1:%s: %v", port, err)
	}
	log.Printf("serving on http://%s", listener.Addr())
	log.Fatal(http.Serve(listener, handler))
}
