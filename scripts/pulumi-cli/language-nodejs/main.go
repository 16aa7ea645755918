// Command pulumi-language-nodejs is a small Node.js language host for the
// Pulumi engine, written for this repository.
//
// The upstream language host (sdk/nodejs/cmd/pulumi-language-nodejs in the
// pulumi/pulumi repository) lives in its own Go module that the Go module
// proxy reachable from our machines does not serve. This host implements the
// part of the LanguageRuntime gRPC service that `pulumi preview/up/refresh/
// destroy` need, and does it the way upstream does, so that a program behaves
// the same under both:
//
//   - Run resolves `@pulumi/pulumi/cmd/run` from the program directory with
//     Node's own resolution (`require.resolve`, as upstream's locateModule),
//     and starts `node [nodeargs] <run> --monitor … --engine … --organization …
//     --project … --root-directory … --stack … --pwd … [--dry-run]
//     --parallel N [--tracing …] <entry point> [args…]` with PULUMI_CONFIG (a
//     JSON object, keys in the `<namespace>:config:<name>` form, `{}` when
//     there is no config), PULUMI_CONFIG_SECRET_KEYS (a JSON array, `[]` when
//     there is none), PULUMI_NODEJS_TYPESCRIPT=true unless `typescript: false`
//     and PULUMI_NODEJS_TSCONFIG_PATH. The runtime options `typescript`,
//     `tsconfig` and `nodeargs` of Pulumi.yaml are validated like upstream's.
//   - Exit statuses map like upstream's: 0 is success, 32 means the program
//     already reported its error (the engine bails without another message),
//     any other status is "Program exited with non-zero exit code: N" (with a
//     hint when Node ran out of memory).
//   - Lifetime: upstream polls the engine's health endpoint every 5 minutes
//     (rpcutil.Healthcheck) and exits when it fails. This host polls every
//     second and also exits when its parent process changes (the engine died
//     and the host was re-parented). The program runs in its own process group
//     and gets SIGKILL when the host dies; when the host stops it signals that
//     group, so no program survives its engine.
//
// Not implemented (they answer Unimplemented or empty): InstallDependencies
// (`pulumi install`), RunPlugin (Node.js-based provider plugins), code
// generation, Pack, Link, policy packs, debugging, the bun runtime, the
// required-plugin scan of package.json (the engine loads providers on demand;
// dynamic providers need no plugin download), and the synchronous-invoke pipes
// (`--sync`), which @pulumi/pulumi 3.248 no longer opens.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	// defaultRunPath is the launcher upstream starts; PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it.
	defaultRunPath = "@pulumi/pulumi/cmd/run"

	// exitCodeErrorReported is the status with which @pulumi/pulumi's launcher exits after it
	// showed the user an actionable error message.
	exitCodeErrorReported = 32

	// engineCheckInterval is how often the host checks that its engine is still there.
	engineCheckInterval = time.Second

	// programStopGrace is how long a program may take to stop after SIGINT before its process
	// group gets SIGKILL (upstream's cmd.WaitDelay).
	programStopGrace = 5 * time.Second
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing  string
	life     *lifetime
	cancelMu sync.Mutex
	// cancelled is closed by the Cancel RPC; running programs are then interrupted.
	cancelled chan struct{}

	mu            sync.Mutex
	engineAddress string
	rootDir       string
}

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	tracing := flags.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	runtimeName := flags.String("runtime", "nodejs", "The runtime to run programs with (only nodejs)")
	showVersion := flags.Bool("version", false, "Print the current plugin version and exit")
	root := flags.String("root", "", "Project root path to use")
	// Flags that older engines passed to the upstream host; accepted and ignored.
	flags.Bool("typescript", true, "ignored")
	flags.String("tsconfig", "", "ignored")
	flags.String("nodeargs", "", "ignored")
	flags.String("packagemanager", "", "ignored")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if *runtimeName != "nodejs" {
		fatalf("unsupported runtime: %s (this language host runs programs with nodejs only)", *runtimeName)
	}

	life := newLifetime(engineCheckInterval)
	h := &host{tracing: *tracing, rootDir: *root, life: life, cancelled: make(chan struct{})}
	// Like upstream, the engine's address is the first positional argument.
	if args := flags.Args(); len(args) > 0 {
		h.engineAddress = args[0]
	}

	// The engine stops a plugin by sending SIGINT to its process group, then SIGKILL. The
	// program is in a group of its own, so it is interrupted by the lifetime's shutdown.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-signals
		life.shutdown(fmt.Sprintf("received %v", sig), true)
	}()

	life.watchParent()
	if h.engineAddress != "" {
		if err := life.watchEngine(h.engineAddress); err != nil {
			fatalf("could not start the engine health check: %v", err)
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: life.stopServer,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fatalf("could not start language host RPC server: %v", err)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	select {
	case err := <-handle.Done:
		if err != nil {
			fatalf("language host RPC stopped serving: %v", err)
		}
	case <-life.done:
		// The server stops gracefully once the running programs are gone; do not wait for
		// longer than they may take.
		select {
		case <-handle.Done:
		case <-time.After(programStopGrace + time.Second):
		}
	}
	// Whatever is still running now has outlived its host: kill it. Nobody reads the status of
	// a host whose engine is gone; an interrupted host exits 0, as upstream's does.
	life.killPrograms()
	if !life.graceful() {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", args...)
	os.Exit(1)
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
		if err := h.life.watchEngine(h.engineAddress); err != nil {
			return nil, fmt.Errorf("could not start health check host RPC server: %w", err)
		}
	}
	if req.RootDirectory != nil {
		h.rootDir = req.GetRootDirectory()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("could not find node on the $PATH")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// Cancel interrupts the programs that are running, as upstream's Cancel does.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelMu.Lock()
	defer h.cancelMu.Unlock()
	select {
	case <-h.cancelled:
	default:
		close(h.cancelled)
	}
	return &emptypb.Empty{}, nil
}

// nodeOptions are the runtime options of Pulumi.yaml that running a program uses.
type nodeOptions struct {
	typescript   bool
	tsconfigPath string
	nodeArgs     string
}

// parseOptions reads the runtime options and rejects values of the wrong type, with upstream's messages.
func parseOptions(options map[string]any) (nodeOptions, error) {
	opts := nodeOptions{typescript: true}
	if v, ok := options["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("tsconfigpath option must be a string")
		}
		opts.tsconfigPath = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("nodeargs option must be a string")
		}
		opts.nodeArgs = s
	}
	if v, ok := options["packagemanager"]; ok {
		if _, ok := v.(string); !ok {
			return opts, errors.New("packagemanager option must be a string")
		}
	}
	if v, ok := options["production"]; ok {
		if _, ok := v.(bool); !ok {
			return opts, errors.New("production option must be a boolean")
		}
	}
	return opts, nil
}

// configJSON is PULUMI_CONFIG: always a JSON object, keys as `<namespace>:config:<name>` (the form
// that every version of @pulumi/pulumi reads; upstream converts them the same way).
func configJSON(cfg map[string]string) (string, error) {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// secretKeysJSON is PULUMI_CONFIG_SECRET_KEYS: always a JSON array of the keys as the engine sent them.
func secretKeysJSON(keys []string) (string, error) {
	if keys == nil {
		keys = []string{}
	}
	b, err := json.Marshal(keys)
	return string(b), err
}

// runArguments is the command line of the launcher, flag for flag what upstream passes.
func runArguments(
	req *pulumirpc.RunRequest, runPath, engineAddress, rootDir, programDir, entryPoint, tracing string,
) []string {
	args := []string{runPath}
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", rootDir)
	add("stack", req.GetStack())
	add("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", tracing)
	args = append(args, entryPoint)
	return append(args, req.GetArgs()...)
}

// locateModule resolves a module the way the program would (`require.resolve` from its directory).
func locateModule(ctx context.Context, node, module, programDir string) (string, error) {
	const script = `try { console.log(require.resolve(process.argv[1])); } catch (e) { ` +
		`console.error(e && e.code === "MODULE_NOT_FOUND" ? ` +
		`"It looks like the Pulumi SDK has not been installed. Have you run npm install in " + ` +
		`process.cwd() + "? (@pulumi/pulumi could not be found from there)" : String(e && e.message)); ` +
		`process.exit(1); }`
	cmd := exec.CommandContext(ctx, node, "-e", script, module)
	cmd.Dir = programDir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", errors.New(strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	if programDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		programDir = wd
	}
	entryPoint := info.GetEntryPoint()
	if entryPoint == "" {
		entryPoint = req.GetProgram()
	}
	if entryPoint == "" {
		entryPoint = "."
	}
	h.mu.Lock()
	rootDir := info.GetRootDirectory()
	if rootDir == "" {
		rootDir = h.rootDir
	}
	engineAddress := h.engineAddress
	h.mu.Unlock()

	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %v", err)}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = defaultRunPath
	}
	runPath, err = locateModule(ctx, node, runPath, programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	cfg, err := configJSON(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %v", err)}, nil
	}
	secretKeys, err := secretKeysJSON(req.GetConfigSecretKeys())
	if err != nil {
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("failed to serialize configuration secret keys: %v", err),
		}, nil
	}
	opts, err := parseOptions(info.GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeArgs, err := shlex.Split(opts.nodeArgs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	env := append(os.Environ(), "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+secretKeys)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigPath)
	}
	args := append(nodeArgs,
		runArguments(req, runPath, engineAddress, rootDir, programDir, entryPoint, h.tracing)...)

	return h.runProgram(ctx, node, args, env), nil
}

// runProgram starts the program in its own process group and waits for it. It is interrupted
// (SIGINT to its group, SIGKILL after programStopGrace) when the engine cancels the Run call, calls
// Cancel, or the host stops.
func (h *host) runProgram(ctx context.Context, node string, args, env []string) *pulumirpc.RunResponse {
	cmd := exec.Command(node, args...)
	cmd.Env = env
	// Not os.Stdout itself: Node may switch the blocking mode of a file it is handed, and the
	// engine reads this host's stdout.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	oom := &oomSniffer{w: os.Stderr}
	cmd.Stderr = oom
	cmd.WaitDelay = programStopGrace
	startInOwnGroup(cmd)

	if err := h.life.start(cmd); err != nil {
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}
	}
	exited := make(chan struct{})
	go func() {
		select {
		case <-exited:
		case <-ctx.Done():
			h.life.interrupt(cmd)
		case <-h.cancelled:
			h.life.interrupt(cmd)
		case <-h.life.done:
		}
	}()
	err := cmd.Wait()
	close(exited)
	h.life.forget(cmd)
	// What the program left running in its group ends with it (upstream's programs share the
	// host's group, which the engine stops right after Run).
	_ = signalGroup(cmd, syscall.SIGKILL)
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()

	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}
	}
	switch code := exitErr.ExitCode(); code {
	case exitCodeErrorReported:
		return &pulumirpc.RunResponse{Bail: true}
	case 0:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", exitErr)}
	default:
		msg := fmt.Sprintf("Program exited with non-zero exit code: %d", code)
		if oom.detected() {
			msg += ". " + oomHint
		}
		return &pulumirpc.RunResponse{Error: msg}
	}
}
