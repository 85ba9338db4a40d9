package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

const (
	serviceCIDR = "10.0.0.0/24"
	serviceIP   = "10.0.0.1" // first address of serviceCIDR: the "kubernetes" Service
	saIssuer    = "https://kubernetes.default.svc.cluster.local"

	adminUser = "debugdead-admin" // member of system:masters
	kcmUser   = "system:kube-controller-manager"
)

// Admission plugins switched on explicitly (on top of kube-apiserver's defaults, which already hold
// most of them), so that a future change of the defaults cannot silently drop one the tests rely on.
var admissionPlugins = []string{
	"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PodSecurity", "Priority",
	"DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection", "RuntimeClass",
	"NodeRestriction", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy",
	"ValidatingAdmissionWebhook", "ResourceQuota",
}

// Controllers run by default. No scheduler and no kubelet run: pods stay Pending.
var defaultControllers = []string{
	"serviceaccount-token-controller", "serviceaccount-controller", "namespace-controller",
	"garbage-collector-controller", "deployment-controller", "replicaset-controller",
	"replicationcontroller-controller", "statefulset-controller", "daemonset-controller",
	"job-controller", "cronjob-controller", "ttl-after-finished-controller", "disruption-controller",
	"resourcequota-controller", "root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller", "endpointslice-controller",
}

var userNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9._@-]*[a-z0-9])?$`)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, " ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type options struct {
	baseDir          string
	port             int
	users            string
	tokenFile        string
	controllers      string
	extraControllers string
	controllerMgr    bool
	exitOnStdinClose bool
	logDir           string
	verbose          bool
	startTimeout     time.Duration
	apiserverArgs    stringList
	kcmArgs          stringList
}

// userInfo is one non-admin identity in the ready line.
type userInfo struct {
	Token      string   `json:"token"`
	Groups     []string `json:"groups"`
	Kubeconfig string   `json:"kubeconfig"`
}

// readyLine is printed, as one JSON line on stdout, once the control plane serves requests.
type readyLine struct {
	Ready             bool                `json:"ready"`
	URL               string              `json:"url"`
	Host              string              `json:"host"`
	Port              int                 `json:"port"`
	Kubeconfig        string              `json:"kubeconfig"`
	CAFile            string              `json:"caFile"`
	CAPEM             string              `json:"caPem"`
	AdminUser         string              `json:"adminUser"`
	AdminToken        string              `json:"adminToken"`
	Users             map[string]userInfo `json:"users"`
	Dir               string              `json:"dir"`
	LogDir            string              `json:"logDir"`
	EtcdURL           string              `json:"etcdUrl"`
	ControllerManager bool                `json:"controllerManager"`
	Controllers       []string            `json:"controllers"`
	KubernetesVersion string              `json:"kubernetesVersion"`
	PID               int                 `json:"pid"`
	StartupMillis     int64               `json:"startupMs"`
}

type harness struct {
	opts      options
	self      string
	dir       string
	logDir    string
	pki       *pki
	etcd      *embed.Etcd
	etcdURL   string
	apiserver *child
	kcm       *child
	port      int
	url       string
	client    *http.Client
	admin     string
	kcmToken  string
	users     map[string]userInfo
	tokenRows [][]string
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "debugdead-apiserver: "+format+"\n", args...)
}

func runHarness(args []string) int {
	var o options
	fs := flag.NewFlagSet("debugdead-apiserver", flag.ContinueOnError)
	fs.StringVar(&o.baseDir, "dir", os.TempDir(), "parent of the temporary directory (removed on exit) holding etcd data, certificates, tokens and kubeconfigs")
	fs.IntVar(&o.port, "port", 0, "kube-apiserver port on 127.0.0.1 (0: a free port)")
	fs.StringVar(&o.users, "users", "alice,bob", "comma-separated non-admin users to mint bearer tokens and kubeconfigs for (no groups besides system:authenticated, no RBAC bindings)")
	fs.StringVar(&o.tokenFile, "token-file", "", "extra static tokens, kube-apiserver token file format: token,user,uid[,\"group1,group2\"]")
	fs.StringVar(&o.controllers, "controllers", strings.Join(defaultControllers, ","), "kube-controller-manager --controllers value")
	fs.StringVar(&o.extraControllers, "extra-controllers", "", "comma-separated controllers to run besides --controllers (the one-node cluster of test/node adds node-lifecycle-controller and others)")
	fs.BoolVar(&o.controllerMgr, "controller-manager", true, "run kube-controller-manager (and wait for the default ServiceAccount before reporting ready)")
	fs.BoolVar(&o.exitOnStdinClose, "exit-on-stdin-close", false, "shut down when standard input reaches end of file (use it when the parent holds a pipe to stdin)")
	fs.StringVar(&o.logDir, "log-dir", "", "keep component logs (etcd.log, kube-apiserver.log, kube-controller-manager.log) in this directory instead of the temporary one")
	fs.BoolVar(&o.verbose, "verbose", false, "also copy component logs to stderr")
	fs.DurationVar(&o.startTimeout, "start-timeout", 3*time.Minute, "give up when not ready within this time")
	fs.Var(&o.apiserverArgs, "apiserver-arg", "extra kube-apiserver flag, e.g. --apiserver-arg=--feature-gates=Foo=true (repeatable; later flags win)")
	fs.Var(&o.kcmArgs, "controller-manager-arg", "extra kube-controller-manager flag (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: debugdead-apiserver [flags]\n\n"+
			"Runs etcd, kube-apiserver %s and kube-controller-manager on 127.0.0.1 until SIGTERM/SIGINT,\n"+
			"prints one JSON line with \"ready\":true on stdout when /readyz is OK, logs go to stderr.\n\n", kubernetesVersion())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.extraControllers != "" {
		o.controllers += "," + o.extraControllers
	}
	if fs.NArg() > 0 {
		logf("unexpected argument %q (subcommands: %s, %s, version)", fs.Arg(0), subcommandAPIServer, subcommandControllerManager)
		return 2
	}

	self, err := os.Executable()
	if err != nil {
		logf("cannot find own executable: %v", err)
		return 1
	}
	h := &harness{opts: o, self: self, users: map[string]userInfo{}}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-signals
		cancel(fmt.Errorf("received %v", s))
	}()
	if o.exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel(errors.New("standard input closed"))
		}()
	}
	if ppid := os.Getppid(); ppid > 1 {
		go func() {
			for {
				time.Sleep(time.Second)
				if os.Getppid() != ppid {
					cancel(errors.New("parent process exited"))
					return
				}
			}
		}()
	}

	code := h.run(ctx)
	h.shutdown()
	return code
}

// run starts everything, prints the ready line and blocks until ctx ends or a component dies.
func (h *harness) run(ctx context.Context) int {
	started := time.Now()
	startCtx, cancelStart := context.WithTimeoutCause(ctx, h.opts.startTimeout,
		fmt.Errorf("not ready within --start-timeout=%v", h.opts.startTimeout))
	defer cancelStart()

	fail := func(step string, err error) int {
		if cause := context.Cause(ctx); cause != nil {
			logf("stopping during %s: %v", step, cause)
			return 0
		}
		logf("%s failed: %v", step, err)
		return 1
	}

	var err error
	if h.dir, err = os.MkdirTemp(h.opts.baseDir, "debugdead-apiserver-"); err != nil {
		return fail("creating the temporary directory", err)
	}
	h.logDir = filepath.Join(h.dir, "logs")
	if h.opts.logDir != "" {
		if h.logDir, err = filepath.Abs(h.opts.logDir); err != nil {
			return fail("resolving --log-dir", err)
		}
	}
	if err := os.MkdirAll(h.logDir, 0o755); err != nil {
		return fail("creating the log directory", err)
	}
	if h.pki, err = writePKI(h.dir); err != nil {
		return fail("generating certificates", err)
	}
	if err := h.writeTokens(); err != nil {
		return fail("writing tokens", err)
	}
	if err := h.startEtcd(startCtx); err != nil {
		return fail("starting etcd", err)
	}
	if err := h.startAPIServer(startCtx); err != nil {
		return fail("starting kube-apiserver", err)
	}
	if h.opts.controllerMgr {
		if err := h.startControllerManager(startCtx); err != nil {
			return fail("starting kube-controller-manager", err)
		}
	}

	version := h.serverVersion(startCtx)
	var controllers []string
	if h.opts.controllerMgr {
		controllers = strings.Split(h.opts.controllers, ",")
	}
	line := readyLine{
		Ready: true, URL: h.url, Host: "127.0.0.1", Port: h.port,
		Kubeconfig: filepath.Join(h.dir, "admin.kubeconfig"), CAFile: h.pki.caFile, CAPEM: string(h.pki.caPEM),
		AdminUser: adminUser, AdminToken: h.admin, Users: h.users, Dir: h.dir, LogDir: h.logDir,
		EtcdURL: h.etcdURL, ControllerManager: h.opts.controllerMgr, Controllers: controllers,
		KubernetesVersion: version, PID: os.Getpid(), StartupMillis: time.Since(started).Milliseconds(),
	}
	out, err := json.Marshal(line)
	if err != nil {
		return fail("encoding the ready line", err)
	}
	if _, err := fmt.Fprintf(os.Stdout, "%s\n", out); err != nil {
		return fail("printing the ready line", err)
	}
	logf("ready at %s in %v (kubeconfig %s)", h.url, time.Since(started).Round(time.Millisecond), line.Kubeconfig)

	var kcmDone <-chan struct{}
	if h.kcm != nil {
		kcmDone = h.kcm.done
	}
	select {
	case <-ctx.Done():
		logf("shutting down: %v", context.Cause(ctx))
		return 0
	case <-h.apiserver.done:
		logf("kube-apiserver exited unexpectedly (%v); last log lines:\n%s", h.apiserver.err, h.apiserver.tail(40))
		return 1
	case <-kcmDone:
		logf("kube-controller-manager exited unexpectedly (%v); last log lines:\n%s", h.kcm.err, h.kcm.tail(40))
		return 1
	}
}

// writeTokens writes the static token file: the admin, the controller manager and the test users.
func (h *harness) writeTokens() error {
	h.admin = randomToken()
	h.kcmToken = randomToken()
	h.tokenRows = [][]string{
		{h.admin, adminUser, adminUser, "system:masters"},
		{h.kcmToken, kcmUser, kcmUser},
	}
	seen := map[string]bool{adminUser: true, kcmUser: true}
	for _, name := range strings.Split(h.opts.users, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !userNameRE.MatchString(name) || seen[name] {
			return fmt.Errorf("--users: invalid or duplicate user name %q", name)
		}
		seen[name] = true
		token := randomToken()
		h.tokenRows = append(h.tokenRows, []string{token, name, name})
		h.users[name] = userInfo{Token: token, Groups: []string{}}
	}
	if h.opts.tokenFile != "" {
		f, err := os.Open(h.opts.tokenFile)
		if err != nil {
			return err
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		rows, err := r.ReadAll()
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		for i, row := range rows {
			if len(row) < 3 || row[0] == "" || row[1] == "" {
				return fmt.Errorf("--token-file line %d: want token,user,uid[,\"groups\"]", i+1)
			}
			if seen[row[1]] {
				return fmt.Errorf("--token-file line %d: duplicate user %q", i+1, row[1])
			}
			seen[row[1]] = true
			groups := []string{}
			if len(row) > 3 && row[3] != "" {
				groups = strings.Split(row[3], ",")
			}
			h.tokenRows = append(h.tokenRows, row)
			h.users[row[1]] = userInfo{Token: row[0], Groups: groups}
		}
	}
	f, err := os.OpenFile(filepath.Join(h.dir, "tokens.csv"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(h.tokenRows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (h *harness) startEtcd(ctx context.Context) error {
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		clientPort, err1 := freePort()
		peerPort, err2 := freePort()
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
		peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}
		cfg := embed.NewConfig()
		cfg.Name = "debugdead"
		cfg.Dir = filepath.Join(h.dir, "etcd")
		cfg.ListenClientUrls = []url.URL{clientURL}
		cfg.AdvertiseClientUrls = []url.URL{clientURL}
		cfg.ListenPeerUrls = []url.URL{peerURL}
		cfg.AdvertisePeerUrls = []url.URL{peerURL}
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
		cfg.LogLevel = "warn"
		cfg.LogOutputs = []string{filepath.Join(h.logDir, "etcd.log")}
		cfg.UnsafeNoFsync = true // throw-away data: no fsync keeps the tests fast
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			lastErr = err
			_ = os.RemoveAll(cfg.Dir)
			if strings.Contains(err.Error(), "address already in use") {
				continue
			}
			return err
		}
		select {
		case <-e.Server.ReadyNotify():
			h.etcd = e
			h.etcdURL = clientURL.String()
			return nil
		case err := <-e.Err():
			e.Close()
			return err
		case <-ctx.Done():
			e.Close()
			return context.Cause(ctx)
		}
	}
	return lastErr
}

func (h *harness) startAPIServer(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		port := h.opts.port
		if port == 0 {
			var err error
			if port, err = freePort(); err != nil {
				return err
			}
		}
		h.port = port
		h.url = "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := h.writeKubeconfigs(); err != nil {
			return err
		}
		args := []string{
			"--etcd-servers=" + h.etcdURL,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + filepath.Join(h.dir, "apiserver-certs"),
			"--tls-cert-file=" + h.pki.servingCertFile,
			"--tls-private-key-file=" + h.pki.servingKeyFile,
			"--client-ca-file=" + h.pki.caFile,
			"--token-auth-file=" + filepath.Join(h.dir, "tokens.csv"),
			"--authorization-mode=Node,RBAC",
			"--enable-admission-plugins=" + strings.Join(admissionPlugins, ","),
			"--allow-privileged=true", // as on real clusters: Pod Security, not this flag, judges privileged pods
			"--service-cluster-ip-range=" + serviceCIDR,
			"--service-account-issuer=" + saIssuer,
			"--service-account-key-file=" + h.pki.saPubFile,
			"--service-account-signing-key-file=" + h.pki.saKeyFile,
			"--endpoint-reconciler-type=none", // 127.0.0.1 is not a valid Endpoints address
			"--profiling=false",
		}
		args = append(args, h.opts.apiserverArgs...)
		c, err := startChild(h.self, subcommandAPIServer, filepath.Join(h.logDir, "kube-apiserver.log"), h.opts.verbose, args)
		if err != nil {
			return err
		}
		h.apiserver = c
		err = h.waitFor(ctx, c, "/readyz", http.StatusOK)
		if err == nil {
			return nil
		}
		if c.exited() && h.opts.port == 0 && attempt < 3 && strings.Contains(c.tail(200), "address already in use") {
			logf("port %d was taken, retrying with another", port)
			continue
		}
		return err
	}
}

func (h *harness) startControllerManager(ctx context.Context) error {
	kubeconfig := filepath.Join(h.dir, "kube-controller-manager.kubeconfig")
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--secure-port=0", // no serving: readiness is the default ServiceAccount appearing
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + h.pki.saKeyFile,
		"--root-ca-file=" + h.pki.caFile,
		"--controllers=" + h.opts.controllers,
		"--profiling=false",
	}
	args = append(args, h.opts.kcmArgs...)
	c, err := startChild(h.self, subcommandControllerManager, filepath.Join(h.logDir, "kube-controller-manager.log"), h.opts.verbose, args)
	if err != nil {
		return err
	}
	h.kcm = c
	if !strings.Contains(","+h.opts.controllers+",", ",serviceaccount-controller,") &&
		!strings.Contains(","+h.opts.controllers+",", ",serviceaccount,") {
		return nil
	}
	return h.waitFor(ctx, c, "/api/v1/namespaces/default/serviceaccounts/default", http.StatusOK)
}

func (h *harness) writeKubeconfigs() error {
	if err := writeKubeconfig(filepath.Join(h.dir, "admin.kubeconfig"), h.url, h.pki.caPEM, adminUser, h.admin); err != nil {
		return err
	}
	if err := writeKubeconfig(filepath.Join(h.dir, "kube-controller-manager.kubeconfig"), h.url, h.pki.caPEM, kcmUser, h.kcmToken); err != nil {
		return err
	}
	names := make([]string, 0, len(h.users))
	for name := range h.users {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		u := h.users[name]
		// Index, not name, in the file name: names from --token-file may contain any character.
		u.Kubeconfig = filepath.Join(h.dir, fmt.Sprintf("user-%d.kubeconfig", i))
		if err := writeKubeconfig(u.Kubeconfig, h.url, h.pki.caPEM, name, u.Token); err != nil {
			return err
		}
		h.users[name] = u
	}
	return nil
}

func (h *harness) httpClient() *http.Client {
	if h.client == nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(h.pki.caPEM)
		h.client = &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Proxy: nil},
		}
	}
	return h.client
}

func (h *harness) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+h.admin)
	resp, err := h.httpClient().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// waitFor polls path on the API server until it answers want, the component c exits, or ctx ends.
func (h *harness) waitFor(ctx context.Context, c *child, path string, want int) error {
	var last string
	for {
		status, body, err := h.get(ctx, path)
		if err == nil && status == want {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("HTTP %d: %s", status, strings.TrimSpace(string(body)))
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before %s answered %d (%v); last log lines:\n%s", c.name, path, want, c.err, c.tail(40))
		case <-ctx.Done():
			return fmt.Errorf("%v waiting for %s (last answer: %s); last %s log lines:\n%s", context.Cause(ctx), path, last, c.name, c.tail(40))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (h *harness) serverVersion(ctx context.Context) string {
	status, body, err := h.get(ctx, "/version")
	if err != nil || status != http.StatusOK {
		return kubernetesVersion()
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if json.Unmarshal(body, &v) != nil || v.GitVersion == "" {
		return kubernetesVersion()
	}
	return v.GitVersion
}

// shutdown stops the components in reverse order and removes the temporary directory.
func (h *harness) shutdown() {
	if h.kcm != nil {
		h.kcm.stop(10 * time.Second)
	}
	if h.apiserver != nil {
		h.apiserver.stop(20 * time.Second)
	}
	if h.etcd != nil {
		closed := make(chan struct{})
		go func() { h.etcd.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			logf("etcd did not stop within 10s")
		}
	}
	if h.dir != "" {
		if err := os.RemoveAll(h.dir); err != nil {
			logf("removing %s: %v", h.dir, err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// child is a component running as a re-executed copy of this binary.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

func startChild(self, name, logPath string, verbose bool, args []string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdin = nil
	if verbose {
		cmd.Stdout = io.MultiWriter(logFile, os.Stderr)
	} else {
		cmd.Stdout = logFile
	}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // a terminal's Ctrl-C reaches the harness only, which stops components in order
		Pdeathsig: syscall.SIGKILL, // never outlive the harness
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *child) stop(timeout time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(timeout):
		logf("%s did not stop within %v after SIGTERM, killing it", c.name, timeout)
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tail returns the last n lines of the component's log.
func (c *child) tail(n int) string {
	f, err := os.Open(c.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > 1<<20 {
		_, _ = f.Seek(info.Size()-1<<20, io.SeekStart)
	}
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
