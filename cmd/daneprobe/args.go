package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst moves the flags of the command named in args before its
// arguments, so that "check example.org --json" and "lookup NAME TYPE
// --trace" mean what "check --json example.org" means: urfave/cli v2
// (like Go's flag package) stops parsing flags at the first argument.
//
// args is the whole command line, program name first. The command path
// (such as "tlsa verify") is found by name among cmds; then every word
// that is one of that command's flags, with its value when the flag takes
// one ("--out FILE" as well as "--out=FILE"), is moved in front of the
// other words, in the order given. "--" still ends the flags: the words
// after it are arguments even when they look like flags, and a "--" is
// put between the flags and the arguments whenever an argument starts
// with "-" (so that "-" for standard input and such words stay
// arguments). Words that look like flags but are not defined (a typo)
// are moved too, so that urfave/cli reports them as it always has.
// A command line without a known command is returned unchanged.
func flagsFirst(cmds []*cli.Command, args []string) []string {
	if len(args) < 2 {
		return args
	}
	// The command path: the leading words naming a command and then its
	// subcommands. Anything else first (an application flag such as
	// --help, or an unknown word) leaves the line as it is.
	var cmd *cli.Command
	i := 1
	for i < len(args) {
		next := findCommand(cmds, args[i])
		if next == nil {
			break
		}
		cmd, cmds, i = next, next.Subcommands, i+1
	}
	if cmd == nil || len(cmd.Subcommands) > 0 && i < len(args) && findCommand(cmd.Subcommands, args[i]) == nil && !isFlagWord(args[i]) {
		// No command, or a command with subcommands followed by a word
		// that names none of them: urfave/cli says so.
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		v := false
		if d, ok := f.(cli.DocGenerationFlag); ok {
			v = d.TakesValue()
		}
		for _, n := range f.Names() {
			takesValue[n] = v
		}
	}
	out := append([]string{}, args[:i]...)
	var positional []string
	dashArg := false
	rest := args[i:]
	for j := 0; j < len(rest); j++ {
		w := rest[j]
		if w == "--" {
			for _, a := range rest[j+1:] {
				positional = append(positional, a)
				dashArg = dashArg || strings.HasPrefix(a, "-")
			}
			break
		}
		if !isFlagWord(w) {
			positional = append(positional, w)
			continue
		}
		out = append(out, w)
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if takesValue[name] && !hasValue && j+1 < len(rest) {
			// The next word is the value, whatever it looks like
			// ("--rate -1" is a bad value, not a flag).
			j++
			out = append(out, rest[j])
		}
	}
	if dashArg {
		out = append(out, "--")
	}
	return append(out, positional...)
}

// isFlagWord reports whether w is written as a flag: "-x", "--name",
// "--name=value". A lone "-" (standard input) is an argument.
func isFlagWord(w string) bool {
	return len(w) > 1 && w[0] == '-'
}

// findCommand returns the command of cmds called name (or one of its
// aliases), or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
