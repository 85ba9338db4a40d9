// debugdead-registry: a real OCI registry for the tests (go-containerregistry's in-memory pkg/registry)
// on 127.0.0.1, reachable through three fronts that share its storage:
//
//   - bearer: answers 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` and serves a token
//     endpoint (on the same port, /token) that takes basic credentials; repositories marked public also
//     get a token without credentials (as Docker Hub does for public images);
//   - basic: answers 401 with `WWW-Authenticate: Basic realm=…` and takes the same credentials directly;
//   - anonymous: the plain registry, no authentication.
//
// It pushes the images described by --images (a JSON file; see README.md) through the anonymous front,
// then prints one JSON ready line on stdout with the addresses, the credentials and every pushed digest.
// With --log-requests it prints one JSON line per request (front, method, path, kind of Authorization).
// It stops on SIGTERM/SIGINT, or when stdin closes with --exit-on-stdin-close.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/google/go-containerregistry/pkg/registry"
)

type readyLine struct {
	Ready     bool   `json:"ready"`
	Bearer    string `json:"bearer"`
	Basic     string `json:"basic"`
	Anonymous string `json:"anonymous"`
	Service   string `json:"service"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	// IdentityToken: the refresh token the bearer front's token endpoint accepts (OAuth2 POST).
	IdentityToken string                 `json:"identityToken"`
	Images        map[string]pushedImage `json:"images"`
	Pid           int                    `json:"pid"`
}

// out serialises the lines printed on stdout (the ready line and request lines).
var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func printLine(v any) {
	out.Lock()
	defer out.Unlock()
	if err := out.enc.Encode(v); err != nil {
		log.Printf("stdout: %v", err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		log.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

func listen(port int) net.Listener {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	return l
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("debugdead-registry: ")
	imagesFile := flag.String("images", "", "JSON file describing the images to push (see README.md)")
	username := flag.String("username", "debugdead", "the user the token endpoint and the basic front accept")
	password := flag.String("password", "", "its password (default: random)")
	identityToken := flag.String("identity-token", "", "the refresh token the token endpoint's OAuth2 POST accepts (default: random)")
	service := flag.String("service", "debugdead-test-registry", "the service named in the bearer challenge")
	bearerPort := flag.Int("bearer-port", 0, "port of the bearer front (0: a free one)")
	basicPort := flag.Int("basic-port", 0, "port of the basic front (0: a free one)")
	anonymousPort := flag.Int("anonymous-port", 0, "port of the anonymous front (0: a free one)")
	logRequests := flag.Bool("log-requests", false, "print one JSON line per request on stdout")
	exitOnStdinClose := flag.Bool("exit-on-stdin-close", false, "stop when stdin reaches EOF")
	flag.Parse()
	if *password == "" {
		*password = randomHex(12)
	}
	if *identityToken == "" {
		*identityToken = randomHex(16)
	}

	var specs []imageSpec
	if *imagesFile != "" {
		data, err := os.ReadFile(*imagesFile)
		if err != nil {
			log.Fatalf("--images: %v", err)
		}
		if err := json.Unmarshal(data, &specs); err != nil {
			log.Fatalf("--images %s: %v", *imagesFile, err)
		}
	}

	store := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	anonymousL, bearerL, basicL := listen(*anonymousPort), listen(*bearerPort), listen(*basicPort)
	public := map[string]bool{}
	for _, s := range specs {
		if s.Public {
			public[s.Repository] = true
		}
	}
	auth := &authFront{
		registry:      store,
		realm:         "http://" + bearerL.Addr().String() + "/token",
		service:       *service,
		username:      *username,
		password:      *password,
		identityToken: *identityToken,
		public:        public,
		tokens:        map[string]string{},
	}
	// Requests are logged from the ready line on (the pushes are not the tests' business).
	var logging atomic.Bool
	logged := func(front string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !logging.Load() {
				h.ServeHTTP(w, r)
				return
			}
			printLine(map[string]any{"request": map[string]string{
				"front": front, "method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery,
				"authorization": authorizationKind(r.Header.Get("Authorization")),
			}})
			h.ServeHTTP(w, r)
		})
	}
	servers := []*http.Server{
		{Handler: logged("anonymous", store)},
		{Handler: logged("bearer", http.HandlerFunc(auth.serveBearer))},
		{Handler: logged("basic", http.HandlerFunc(auth.serveBasic))},
	}
	for i, l := range []net.Listener{anonymousL, bearerL, basicL} {
		go func(s *http.Server, l net.Listener) {
			if err := s.Serve(l); err != nil && err != http.ErrServerClosed {
				log.Fatalf("serve: %v", err)
			}
		}(servers[i], l)
	}

	images, err := pushAll(anonymousL.Addr().String(), specs)
	if err != nil {
		log.Fatalf("pushing the test images: %v", err)
	}
	logging.Store(*logRequests)
	printLine(readyLine{
		Ready: true, Bearer: bearerL.Addr().String(), Basic: basicL.Addr().String(),
		Anonymous: anonymousL.Addr().String(), Service: *service, Username: *username, Password: *password, IdentityToken: *identityToken,
		Images: images, Pid: os.Getpid(),
	})

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	if *exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	<-stop
	for _, s := range servers {
		_ = s.Close()
	}
}
