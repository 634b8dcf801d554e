// Command daneprobe tells a mail administrator whether mail to a domain is
// protected by DANE (RFC 7672) and MTA-STS (RFC 8461), and whether a sending
// MTA that enforces them would deliver it or defer it.
//
// Each subcommand lives in its own file; this file wires them into one
// urfave/cli application and turns errors into exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Exit codes follow the monitoring-plugin convention (OK, WARNING, CRITICAL,
// UNKNOWN) so that cron jobs and Nagios/Icinga can use daneprobe as it is.
const (
	exitOK       = 0
	exitWarning  = 1
	exitCritical = 2
	exitUnknown  = 3
)

// exitError carries an exit code and a one-line message for the user. It is
// how subcommands report both verdicts (code 1 or 2) and usage problems
// (code 3) without printing a Go stack.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports input the user has to fix: exit status 3.
func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitUnknown, err: fmt.Errorf(format, a...)}
}

// exitWith ends the command with the given status and no further message;
// the command has already printed its output.
func exitWith(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitError{code: code}
}

// newApp builds the command-line application. Output goes to stdout and
// stderr so tests can capture both.
func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "daneprobe",
		Usage: "check whether mail to a domain is protected by DANE and MTA-STS",
		Description: "daneprobe validates DNSSEC itself (from the IANA root trust anchors), " +
			"looks up MX, address and TLSA records, probes every MX address over SMTP " +
			"STARTTLS, matches the presented certificates against the TLSA records and " +
			"evaluates the MTA-STS policy, then says what a sending MTA that enforces " +
			"DANE or MTA-STS would do: deliver, or defer.\n\n" +
			"Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage error, no usable " +
			"resolver); each command's help says how it maps its results onto these.",
		Version:         version(),
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Commands:        commands(),
		// Errors are printed by run, once, without a stack; keep urfave/cli
		// from calling os.Exit behind our back.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &exitError{code: exitUnknown, err: fmt.Errorf("%v (see daneprobe --help)", err)}
		},
		// Reached only without a known command: show the help, or say
		// which word was not a command.
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("unknown command %q (see daneprobe --help)", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	return app
}

// version is the module version the binary was built from ("devel" for a
// build from a work tree), with the VCS revision when Go recorded one.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}

// commands lists the subcommands, one constructor per file, each with
// the one-line usage-error handler.
func commands() []*cli.Command {
	cmds := commandList()
	for _, c := range cmds {
		quietUsageErrors(c, "")
	}
	return cmds
}

// quietUsageErrors makes a bad flag print one line that names the command
// and where its help is, instead of urfave/cli's full help text, and sets
// exit status 3. It applies to c and its subcommands.
func quietUsageErrors(c *cli.Command, parent string) {
	path := strings.TrimSpace(parent + " " + c.Name)
	if c.OnUsageError == nil {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return &exitError{code: exitUnknown, err: fmt.Errorf("%s: %v (see daneprobe %s --help)", path, err, path)}
		}
	}
	for _, sub := range c.Subcommands {
		quietUsageErrors(sub, path)
	}
}

// commandList returns the subcommands in the order --help lists them.
func commandList() []*cli.Command {
	return []*cli.Command{
		checkCommand(),
		scanCommand(),
		reportCommand(),
		lookupCommand(),
		tlsaCommand(),
		mtastsCommand(),
		authCommand(),
		tlsrptCommand(),
		demoCommand(),
		serveCommand(),
		historyCommand(),
	}
}

// run executes daneprobe with args (including the program name) and returns
// the process exit status. It never panics on user input.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(app.Commands, args))
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "daneprobe: %v\n", ee.err)
		}
		return ee.code
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintf(stderr, "daneprobe: %s\n", msg)
		}
		return ec.ExitCode()
	}
	// Anything else is an operational failure we could not classify, such
	// as an unknown flag reported by urfave/cli: UNKNOWN.
	fmt.Fprintf(stderr, "daneprobe: %v\n", err)
	return exitUnknown
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
