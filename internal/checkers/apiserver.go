package checkers

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SkipAPIServerEnv, set to 1, skips the tests that need a real API server (outside CI only).
const SkipAPIServerEnv = "GANTRY_SKIP_APISERVER"

// Bounds on waits for the server; generous because a cold start on a loaded 2-core machine is slow.
const (
	readyTimeout   = 90 * time.Second
	stopTimeout    = 10 * time.Second
	kubectlTimeout = 3 * time.Minute
)

// APIServer is a kube-apiserver backed by its own etcd, both on loopback, for tests to apply the
// generated manifests to (for real or as a server-side dry run).
type APIServer struct {
	URL        string // https://127.0.0.1:PORT
	Kubeconfig string // a kubeconfig file whose user has a system:masters token

	dir        string // temp folder with etcd's data, keys, certs, logs and the kubeconfig
	kubectl    string
	etcd, kube *process

	crdOnce sync.Once
	crdErr  error
}

var (
	serverOnce sync.Once
	server     *APIServer
	serverErr  error
)

// StartAPIServer returns the test binary's API server, starting it on first use (about 3 s warm;
// the binaries come from Installed). It fails the test when the server cannot start.
//
// One server serves every test of a test binary, so tests must not depend on a pristine server
// (use their own namespaces, apply idempotently). It lives until the binary exits, however it exits:
// etcd and kube-apiserver each run under a small sh supervisor (see supervisor) whose stdin is a pipe
// only the test binary holds, so its end closing — at exit, on a failed test, a panic, a -timeout or
// SIGKILL — stops the process and removes the temp folder. Stopping when the first test's Cleanup runs
// would take the server from later tests, and a TestMain misses panics and timeouts; a TestMain that
// wants it gone synchronously can still call StopAPIServer after m.Run.
//
// Set GANTRY_SKIP_APISERVER=1 to skip these tests on a machine that cannot run the server; with
// CI=true that fails instead, so CI never drops this tier silently.
func StartAPIServer(t testing.TB) *APIServer {
	t.Helper()
	if os.Getenv(SkipAPIServerEnv) == "1" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s=1 with CI=true: CI must run the API server tests; unset %s", SkipAPIServerEnv, SkipAPIServerEnv)
		}
		t.Skipf("%s=1: skipped applying the generated manifests to a real kube-apiserver (server-side dry run, "+
			"Pod Security admission, CRD validation); unset it to run this test (hack/install-tools.sh "+
			"provides kube-apiserver, kubectl and etcd)", SkipAPIServerEnv)
	}
	tools := Installed(t, "kube-apiserver", "kubectl", "etcd")
	serverOnce.Do(func() {
		start := time.Now()
		server, serverErr = startAPIServer(tools)
		if serverErr == nil {
			t.Logf("started kube-apiserver at %s in %s (data in %s)", server.URL, time.Since(start).Round(time.Millisecond), server.dir)
		}
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return server
}

// StopAPIServer stops the test binary's API server, if one was started, and removes its temp folder.
// It is optional (see StartAPIServer); call it after m.Run in a TestMain to stop synchronously.
func StopAPIServer() error {
	if server == nil {
		return nil
	}
	err := errors.Join(server.kube.stop(), server.etcd.stop(), os.RemoveAll(server.dir))
	server = nil
	serverErr = errors.New("the API server was stopped by StopAPIServer")
	return err
}

// Kubectl runs kubectl against the server and returns its combined stdout and stderr (kubectl's
// warnings go to stderr), and an error when it exits non-zero.
func (s *APIServer) Kubectl(t testing.TB, args ...string) (string, error) {
	t.Helper()
	return s.KubectlInput(t, nil, args...)
}

// KubectlInput is Kubectl with input on kubectl's stdin, for `-f -`.
func (s *APIServer) KubectlInput(t testing.TB, input []byte, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	// Its own discovery cache, not the user's ~/.kube/cache.
	cmd := exec.CommandContext(ctx, s.kubectl,
		append([]string{"--kubeconfig=" + s.Kubeconfig, "--cache-dir=" + filepath.Join(s.dir, "kubectl-cache")}, args...)...)
	cmd.Stdin = bytes.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return out.String(), fmt.Errorf("kubectl %s: timed out after %s", strings.Join(args, " "), kubectlTimeout)
		}
		return out.String(), fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return out.String(), nil
}

// InstallCRDs applies every CRD of every crds/<project> folder of Installed (server-side apply, for
// real) and waits until each is Established. It runs once per server; later calls only check.
func (s *APIServer) InstallCRDs(t testing.TB) {
	t.Helper()
	tools := Installed(t, "crds")
	s.crdOnce.Do(func() {
		start := time.Now()
		var projects []string
		for name := range tools {
			if strings.HasPrefix(name, "crds/") {
				projects = append(projects, name)
			}
		}
		slices.Sort(projects)
		if len(projects) == 0 {
			s.crdErr = errors.New("hack/install-tools.sh printed no crds/<project> folders")
			return
		}
		args := []string{"apply", "--server-side", "--field-manager=gantry-test", "-o", "name"}
		for _, p := range projects {
			files, err := filepath.Glob(filepath.Join(tools[p], "*.yaml"))
			if err != nil || len(files) == 0 {
				s.crdErr = fmt.Errorf("%s: no CRD files in %s", p, tools[p])
				return
			}
			for _, f := range files {
				args = append(args, "-f", f)
			}
		}
		out, err := s.Kubectl(t, args...)
		if err != nil {
			s.crdErr = fmt.Errorf("installing the CRDs: %v\n%s", err, out)
			return
		}
		var names []string
		for line := range strings.Lines(out) {
			if name, ok := strings.CutPrefix(strings.TrimSpace(line), "customresourcedefinition.apiextensions.k8s.io/"); ok {
				names = append(names, "crd/"+name)
			} else if line = strings.TrimSpace(line); line != "" {
				t.Logf("installing the CRDs: %s", line) // upstream's warnings about its own CRDs
			}
		}
		if out, err := s.Kubectl(t, append([]string{"wait", "--for=condition=Established", "--timeout=60s"}, names...)...); err != nil {
			s.crdErr = fmt.Errorf("waiting for the CRDs to be Established: %v\n%s", err, out)
			return
		}
		t.Logf("installed %d CRDs from %s in %s", len(names), strings.Join(projects, ", "), time.Since(start).Round(time.Millisecond))
	})
	if s.crdErr != nil {
		t.Fatal(s.crdErr)
	}
}

// startAPIServer starts etcd and kube-apiserver in a new temp folder and writes a kubeconfig for
// them; on error it stops whatever it started and removes the folder.
func startAPIServer(tools map[string]string) (_ *APIServer, err error) {
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if tools[name] == "" {
			return nil, fmt.Errorf("hack/install-tools.sh printed no %s=PATH line", name)
		}
	}
	dir, err := os.MkdirTemp("", "gantry-apiserver-")
	if err != nil {
		return nil, err
	}
	s := &APIServer{dir: dir, kubectl: tools["kubectl"], Kubeconfig: filepath.Join(dir, "kubeconfig")}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.kube.stop(), s.etcd.stop(), os.RemoveAll(dir))
		}
	}()

	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer := "http://127.0.0.1:"+ports[0], "http://127.0.0.1:"+ports[1]
	s.URL = "https://127.0.0.1:" + ports[2]

	token, certPEM, err := writeSecrets(dir)
	if err != nil {
		return nil, err
	}
	s.etcd, err = startEtcd(dir, tools["etcd"], etcdClient, etcdPeer)
	if err != nil {
		return nil, err
	}
	// kube-apiserver retries etcd until it answers, so it need not wait for etcd here.
	s.kube, err = startKubeAPIServer(dir, tools["kube-apiserver"], etcdClient, ports[2])
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(token, certPEM); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(s.Kubeconfig, s.URL, certPEM, token); err != nil {
		return nil, err
	}
	return s, nil
}

// startEtcd starts etcd, supervised, with its data in dir, serving clients on clientURL.
func startEtcd(dir, bin, clientURL, peerURL string) (*process, error) {
	// The etcd supervisor removes the whole folder when the test binary goes away.
	return startSupervised("etcd", dir, dir, bin,
		"--name=gantry-test",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=gantry-test="+peerURL,
		"--logger=zap", "--log-outputs=stderr", "--log-level=warn")
}

// startKubeAPIServer starts kube-apiserver, supervised, on 127.0.0.1:port with the keys writeSecrets wrote to dir.
func startKubeAPIServer(dir, bin, etcdURL, port string) (*process, error) {
	return startSupervised("kube-apiserver", dir, "", bin,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+port,
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--tls-cert-file="+filepath.Join(dir, "serving.crt"), "--tls-private-key-file="+filepath.Join(dir, "serving.key"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC",
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--profiling=false")
}

// writeKubeconfig writes to path a kubeconfig for the server at url whose user has token.
func writeKubeconfig(path, url string, certPEM []byte, token string) error {
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: gantry-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: gantry-test
  context:
    cluster: gantry-test
    user: admin
current-context: gantry-test
`, url, base64.StdEncoding.EncodeToString(certPEM), token)
	return os.WriteFile(path, []byte(kubeconfig), 0o600)
}

// waitReady polls /readyz until it answers ok, either process exits, or readyTimeout passes.
func (s *APIServer) waitReady(token string, certPEM []byte) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := "no answer yet"
	for {
		req, err := http.NewRequest(http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := client.Do(req); err != nil {
			last = err.Error()
		} else {
			body, _ := readAll(resp)
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body)
		}
		select {
		case <-s.etcd.done:
			return fmt.Errorf("etcd exited before kube-apiserver was ready: %v\n%s", s.etcd.err, s.logTails())
		case <-s.kube.done:
			return fmt.Errorf("kube-apiserver exited before it was ready: %v\n%s", s.kube.err, s.logTails())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver was not ready after %s; last /readyz: %s\n%s", readyTimeout, last, s.logTails())
		}
	}
}

func readAll(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(resp.Body)
	return strings.TrimSpace(b.String()), err
}

func (s *APIServer) logTails() string {
	return s.kube.tail(40) + "\n" + s.etcd.tail(20)
}

// writeSecrets writes what kube-apiserver reads at start: a self-signed serving cert for 127.0.0.1
// (also the kubeconfig's CA, so kubectl verifies TLS), the service-account key pair, and a token
// file whose one user is in system:masters. It returns the token and the cert.
func writeSecrets(dir string) (token string, certPEM []byte, err error) {
	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "gantry-test-apiserver"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &servingKey.PublicKey, servingKey)
	if err != nil {
		return "", nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return "", nil, err
	}

	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token = hex.EncodeToString(raw)

	servingKeyPEM, err := privateKeyPEM(servingKey)
	if err != nil {
		return "", nil, err
	}
	saKeyPEM, err := privateKeyPEM(saKey)
	if err != nil {
		return "", nil, err
	}
	for name, data := range map[string][]byte{
		"serving.crt": certPEM,
		"serving.key": servingKeyPEM,
		"sa.key":      saKeyPEM,
		"sa.pub":      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
		"tokens.csv":  []byte(token + `,admin,admin,"system:masters"` + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return "", nil, err
		}
	}
	return token, certPEM, nil
}

func privateKeyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// freePorts returns n distinct free loopback ports. They are released before the servers bind them,
// so another process could take one in between; the server then fails to start, with its log.
func freePorts(n int) ([]string, error) {
	var ports []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

// supervisor runs "$@" in the background and exits with its status when it exits. Its stdin is a pipe
// whose write end only the test binary holds, so EOF there means that the binary stopped the server
// or went away (normal exit, failed test, panic, -timeout, SIGKILL). The watcher then kills the
// command unless it is already gone, and removes the folder $2 if given. SIGKILL, not SIGTERM: the
// data is thrown away, and a kube-apiserver whose etcd has gone hangs in its graceful shutdown. The
// watcher is an asynchronous list, so it ignores a Ctrl-C's SIGINT and still cleans up; it outlives
// the supervisor when the command exits on its own, which the supervisor marks by creating file $1.
const supervisor = `
gone=$1 dir=$2
shift 2
exec 3<&0 </dev/null
"$@" 3<&- &
child=$!
{
	read -r _ <&3
	[ -e "$gone" ] || kill -KILL "$child"
	i=0
	while kill -0 "$child" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$dir" ] || rm -rf "$dir"
} 2>/dev/null &
wait "$child"
status=$?
: >"$gone"
exit "$status"
`

// process is one supervised server process.
type process struct {
	name     string
	cmd      *exec.Cmd
	lifeline *os.File // write end of the supervisor's stdin; kept reachable, as its finalizer closes it
	log      string
	done     chan struct{} // closed when the supervisor has exited; err is set then
	err      error
}

// startSupervised starts bin under supervisor, logging to DIR/NAME.log; removeDir is removed once
// the test binary lets go of it.
func startSupervised(name, dir, removeDir, bin string, args ...string) (*process, error) {
	p := &process{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	r, w, err := os.Pipe() // close-on-exec: no other child inherits the write end
	if err != nil {
		return nil, err
	}
	defer r.Close()
	gone := filepath.Join(dir, "."+name+".exited")
	p.cmd = exec.Command("sh", append([]string{"-c", supervisor, "sh", gone, removeDir, bin}, args...)...)
	// Files, not buffers: no copying goroutine for Wait to block on, and nothing holds go test's output.
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = r, logFile, logFile
	if err := p.cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p.lifeline = w
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop closes the lifeline and waits (bounded) for the supervisor to kill the process.
func (p *process) stop() error {
	if p == nil {
		return nil
	}
	p.lifeline.Close()
	select {
	case <-p.done:
		return nil // its status is the SIGKILL's, as expected
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within %s", p.name, stopTimeout)
	}
}

// tail returns the last n lines of the process's log.
func (p *process) tail(n int) string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return fmt.Sprintf("(%s log: %v)", p.name, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("last lines of the %s log:\n%s", p.name, strings.Join(lines, "\n"))
}
