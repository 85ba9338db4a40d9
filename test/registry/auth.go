package main

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// authFront puts the registry behind the bearer-token flow or behind basic authentication.
type authFront struct {
	registry http.Handler
	realm    string
	service  string
	username string
	password string
	// identityToken: the refresh token the OAuth2 POST form of the token endpoint accepts (docker's identity
	// tokens, `identitytoken` in a docker config or `<token>` from a credential helper).
	identityToken string
	public        map[string]bool

	mu     sync.Mutex
	tokens map[string]string // token -> repository it grants pull on
}

var repositoryPath = regexp.MustCompile(`^/v2/(.+)/(manifests|blobs|tags)/`)

// repositoryOf returns the repository a /v2/ request is about ("" for /v2/ itself).
func repositoryOf(path string) string {
	m := repositoryPath.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	return m[1]
}

func authorizationKind(header string) string {
	switch {
	case header == "":
		return "none"
	case strings.HasPrefix(strings.ToLower(header), "bearer "):
		return "bearer"
	case strings.HasPrefix(strings.ToLower(header), "basic "):
		return "basic"
	default:
		return "other"
	}
}

func (a *authFront) credentialsOK(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user), []byte(a.username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(a.password)) == 1
}

func unauthorized(w http.ResponseWriter, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
}

// serveBearer: /token issues tokens; /v2/... needs a token that grants the request's repository.
func (a *authFront) serveBearer(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		a.serveToken(w, r)
		return
	}
	repo := repositoryOf(r.URL.Path)
	header := r.Header.Get("Authorization")
	if strings.HasPrefix(header, "Bearer ") {
		a.mu.Lock()
		granted, ok := a.tokens[strings.TrimPrefix(header, "Bearer ")]
		a.mu.Unlock()
		if ok && (repo == "" || granted == repo || granted == "*") {
			a.registry.ServeHTTP(w, r)
			return
		}
	}
	challenge := fmt.Sprintf(`Bearer realm=%q,service=%q`, a.realm, a.service)
	if repo != "" {
		challenge += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
	}
	unauthorized(w, challenge)
}

// serveToken: GET /token?service=…&scope=repository:NAME:pull with basic credentials (or none for a
// public repository) answers {"token": …, "access_token": …} as the distribution token spec says.
func (a *authFront) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		a.serveRefreshToken(w, r)
		return
	}
	if r.URL.Query().Get("service") != a.service {
		http.Error(w, `{"errors":[{"code":"DENIED","message":"unknown service"}]}`, http.StatusBadRequest)
		return
	}
	repo := "*"
	scope := r.URL.Query().Get("scope")
	if scope != "" {
		parts := strings.Split(scope, ":")
		if len(parts) != 3 || parts[0] != "repository" || !strings.Contains(parts[2], "pull") {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"bad scope"}]}`, http.StatusBadRequest)
			return
		}
		repo = parts[1]
	}
	_, _, hasCredentials := r.BasicAuth()
	switch {
	case hasCredentials && !a.credentialsOK(r):
		w.Header().Set("WWW-Authenticate", `Basic realm="debugdead-test-registry token"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}`, http.StatusUnauthorized)
		return
	case !hasCredentials && !a.public[repo]:
		// Anonymous: a token that grants nothing (as Docker Hub does for a private repository).
		repo = "\x00none"
	}
	token := randomHex(16)
	a.mu.Lock()
	a.tokens[token] = repo
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": token, "access_token": token, "expires_in": 300})
}

// serveBasic: every /v2/ request needs the basic credentials.
func (a *authFront) serveBasic(w http.ResponseWriter, r *http.Request) {
	if a.credentialsOK(r) {
		a.registry.ServeHTTP(w, r)
		return
	}
	unauthorized(w, `Basic realm="debugdead-test-registry"`)
}

// serveRefreshToken: POST /token with grant_type=refresh_token, refresh_token, service, scope, client_id
// (the distribution spec's OAuth2 flow) answers {"access_token": …} granting pull on the scope's repository.
func (a *authFront) serveRefreshToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"errors":[{"code":"DENIED","message":"bad form"}]}`, http.StatusBadRequest)
		return
	}
	form := r.PostForm
	if form.Get("grant_type") != "refresh_token" || form.Get("service") != a.service || form.Get("client_id") == "" {
		http.Error(w, `{"errors":[{"code":"DENIED","message":"unsupported grant"}]}`, http.StatusBadRequest)
		return
	}
	if subtle.ConstantTimeCompare([]byte(form.Get("refresh_token")), []byte(a.identityToken)) != 1 {
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad refresh token"}]}`, http.StatusUnauthorized)
		return
	}
	parts := strings.Split(form.Get("scope"), ":")
	if len(parts) != 3 || parts[0] != "repository" {
		http.Error(w, `{"errors":[{"code":"DENIED","message":"bad scope"}]}`, http.StatusBadRequest)
		return
	}
	token := randomHex(16)
	a.mu.Lock()
	a.tokens[token] = parts[1]
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "expires_in": 300})
}
