// compose-check loads a compose file the way `docker compose` does (compose-go: the Compose
// specification's schema, interpolation from an env file, merges and anchors, every profile) and
// prints the resulting project as JSON, or the loader's error with exit code 1.
// Built once by test/tooling/compose.spec.ts.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose.yaml> <env file>")
		os.Exit(2)
	}
	if err := check(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(file, envFile string) error {
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
		cli.WithName("baton"),
	)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
