// pulumi-language-python: a small Python language host for the Pulumi CLI built by scripts/install-pulumi.
//
// The official host lives in its own Go module (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3)
// which has no version tags, and the Go module proxy this project may use refuses every version of it. This host
// implements the part of the LanguageRuntime protocol that `pulumi preview/up/refresh/destroy` need for a Python
// project: it runs the program through `pulumi-language-python-exec` (the executor shipped in the sdk/v3 module,
// placed next to this binary) with the interpreter of the project's virtualenv, exactly as the official host does.
// It also runs Python policy packs (`pulumi preview --policy-pack DIR`) through RunPlugin, as the official host does.
// Everything else answers Unimplemented or an empty result.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// The executor exits with this code after it has already shown the user an actionable message.
const bailExitCode = 32

// How often the host checks that the engine is still there (Pulumi's own plugins check every five minutes; a killed
// `pulumi` would leave the program running that long).
const engineCheckInterval = time.Second

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu            sync.Mutex
	engineAddress string
	executor      string
	// gone is cancelled once the engine is gone: the running program is killed and the server stops.
	gone      context.Context
	stop      context.CancelFunc
	watchOnce sync.Once
}

// watchEngine stops the host when the engine stops answering its gRPC health check (rpcutil.Healthcheck, as Pulumi's
// plugins do, here every second) or when the parent process, the engine that started this host, exits.
func (h *host) watchEngine(address string) {
	h.watchOnce.Do(func() {
		if err := rpcutil.Healthcheck(h.gone, address, engineCheckInterval, h.stop); err != nil {
			fmt.Fprintln(os.Stderr, "language host: cannot watch the engine:", err)
		}
		parent := os.Getppid()
		go func() {
			ticker := time.NewTicker(engineCheckInterval)
			defer ticker.Stop()
			for {
				select {
				case <-h.gone.Done():
					return
				case <-ticker.C:
					if os.Getppid() != parent {
						h.stop()
						return
					}
				}
			}
		}()
	})
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (
	*pulumirpc.LanguageHandshakeResponse, error,
) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
		h.watchEngine(h.engineAddress)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// A dynamic-provider project needs no plugin beyond the bundled pulumi-python provider.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (
	*pulumirpc.GetRequiredPluginsResponse, error,
) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (
	*pulumirpc.GetRequiredPackagesResponse, error,
) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (
	*pulumirpc.GetProgramDependenciesResponse, error,
) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Dependencies are installed by the project's own Makefile into its virtualenv, not by the CLI.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest,
	grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *host) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python := pythonFor(req.GetInfo())
	out, err := exec.Command(python, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", python, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: python,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "Python "),
	}, nil
}

// pythonFor picks the interpreter: the project's `virtualenv` runtime option, else $PULUMI_PYTHON_CMD, else python3.
func pythonFor(info *pulumirpc.ProgramInfo) string {
	if info != nil && info.GetOptions() != nil {
		if venv, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok && venv != "" {
			if !filepath.IsAbs(venv) {
				venv = filepath.Join(info.GetRootDirectory(), venv)
			}
			return filepath.Join(venv, "bin", "python")
		}
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd
	}
	return "python3"
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()

	info := req.GetInfo()
	python := pythonFor(info)
	if _, err := os.Stat(python); err != nil && filepath.IsAbs(python) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"the project's virtualenv interpreter %s does not exist: create it first (make venv)", python)}, nil
	}

	args := []string{"-u", h.executor}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("organization", req.GetOrganization())
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	pwd := req.GetPwd()
	program := req.GetProgram()
	if info != nil {
		add("root_directory", info.GetRootDirectory())
		if info.GetProgramDirectory() != "" {
			pwd = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" {
			program = info.GetEntryPoint()
		}
	}
	add("pwd", pwd)
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config := req.GetConfig()
	if config == nil { // the executor expects a JSON object, never null
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("serialising the stack configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serialising the secret config keys: %w", err)
	}

	// The program ends with the request (the engine hung up) or when the engine is gone.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopWatch := context.AfterFunc(h.gone, cancel)
	defer stopWatch()
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = pwd
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
	)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python executor: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a plugin written in Python. The engine starts a policy pack this way: kind "analyzer", the pack's
// directory as the program, the engine's address as the only argument. As in the official host, a pack runs as
// `python -u -m pulumi.policy ENGINE DIR` in its own directory, and the stack's configuration reaches it through the
// environment (PULUMI_PROJECT, PULUMI_STACK, PULUMI_CONFIG, ...), which pulumi-policy reads at start-up: the SDK's
// PolicyProxy answers the engine's ConfigureStack first, then forwards every other call to the started pack. Any other
// plugin runs as `python DIR ARGS...` in the requested working directory.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx, cancel := context.WithCancel(server.Context())
	defer cancel()
	stopWatch := context.AfterFunc(h.gone, cancel)
	defer stopWatch()

	info := req.GetInfo()
	if info == nil {
		return errors.New("RunPlugin: the request carries no program information")
	}
	python := pythonFor(info)
	if _, err := os.Stat(python); err != nil && filepath.IsAbs(python) {
		return fmt.Errorf("the plugin's virtualenv interpreter %s does not exist: create it first (make venv)", python)
	}
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	var args []string
	if analyzer {
		args = append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
		args = append(args, info.GetProgramDirectory())
	} else {
		args = append([]string{info.GetProgramDirectory()}, req.GetArgs()...)
	}
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = os.Environ()
	if analyzer {
		cmd.Dir = info.GetProgramDirectory()
	} else {
		cmd.Dir = req.GetPwd()
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		config, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
		}
		if config != nil {
			setenv := func(k, v string) {
				if v != "" {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			setenv("PULUMI_ORGANIZATION", config.GetOrganization())
			setenv("PULUMI_PROJECT", config.GetProject())
			setenv("PULUMI_STACK", config.GetStack())
			setenv("PULUMI_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
			if config.GetConfig() != nil {
				configJSON, err := json.Marshal(config.GetConfig())
				if err != nil {
					return fmt.Errorf("serialising the stack configuration: %w", err)
				}
				setenv("PULUMI_CONFIG", string(configJSON))
			}
		}
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	err = cmd.Start()
	if err == nil {
		if proxy != nil {
			err = proxy.Attach(ctx, cmd) // returns once the pack has exited
		} else {
			err = cmd.Wait()
		}
	} else if proxy != nil {
		proxy.Abort(err)
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
			})
		}
		return fmt.Errorf("could not run the Python plugin in %s: %w", info.GetProgramDirectory(), err)
	}
	return closer.Close()
}

func main() {
	// The CLI may pass --logtostderr, -v=N, --tracing URL and -root DIR before the engine address; none change how
	// this host runs a program. Some are already registered by the logging package the SDK imports.
	for _, name := range []string{"tracing", "root"} {
		if flag.Lookup(name) == nil {
			flag.String(name, "", "ignored")
		}
	}
	if flag.Lookup("logtostderr") == nil {
		flag.Bool("logtostderr", false, "ignored")
	}
	if flag.Lookup("v") == nil {
		flag.Int("v", 0, "ignored")
	}
	flag.Parse()

	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot locate this executable:", err)
		os.Exit(1)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	executor := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(executor); err != nil {
		fmt.Fprintln(os.Stderr, "missing executor next to the language host:", executor)
		os.Exit(1)
	}

	gone, stop := context.WithCancel(context.Background())
	h := &host{executor: executor, gone: gone, stop: stop}
	if flag.NArg() > 0 {
		h.engineAddress = flag.Arg(0)
		h.watchEngine(h.engineAddress)
	}
	cancelServe := make(chan bool)
	go func() {
		<-gone.Done()
		fmt.Fprintln(os.Stderr, "language host: stopping, the engine is gone")
		close(cancelServe) // a graceful stop: the running program is killed first (see Run)
		time.Sleep(5 * time.Second)
		os.Exit(1) // in case a request still does not end
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelServe,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "could not start the language host:", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, "language host stopped:", err)
		os.Exit(1)
	}
}
