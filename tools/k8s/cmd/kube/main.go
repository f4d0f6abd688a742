// Command kube is a hyperkube-style multiplexer for the Kubernetes control
// plane: one binary, one link, with kube-apiserver, kube-controller-manager
// and kube-scheduler as subcommands.
//
//	kube kube-apiserver [flags]          (or: kube apiserver ...)
//	ln -s kube kube-apiserver; ./kube-apiserver [flags]
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata" // for timeZone support in CronJob

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric registration

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

var commands = map[string]func() *cobra.Command{
	"kube-apiserver":          func() *cobra.Command { return apiserver.NewAPIServerCommand() },
	"kube-controller-manager": func() *cobra.Command { return controllermanager.NewControllerManagerCommand() },
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
}

func lookup(name string) func() *cobra.Command {
	name = strings.TrimSuffix(name, ".exe")
	if f, ok := commands[name]; ok {
		return f
	}
	return commands["kube-"+name]
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kube {kube-apiserver|kube-controller-manager|kube-scheduler} [flags]")
	os.Exit(2)
}

func main() {
	// Dispatch on the name we were invoked as (symlink), else on argv[1].
	if f := lookup(filepath.Base(os.Args[0])); f != nil {
		os.Exit(cli.Run(f()))
	}
	if len(os.Args) < 2 {
		usage()
	}
	f := lookup(os.Args[1])
	if f == nil {
		usage()
	}
	cmd := f()
	cmd.SetArgs(os.Args[2:])
	os.Exit(cli.Run(cmd))
}
