// Command debugdead-apiserver runs a throw-away Kubernetes control plane on 127.0.0.1 for
// debugdead's integration tests: an embedded etcd, a real kube-apiserver and a real
// kube-controller-manager, built from the published Kubernetes Go modules.
//
// One binary, three roles, chosen by the first argument:
//
//	debugdead-apiserver [harness flags]              the harness (default): etcd + supervision
//	debugdead-apiserver kube-apiserver [flags]       the upstream kube-apiserver command
//	debugdead-apiserver kube-controller-manager ...  the upstream kube-controller-manager command
//	debugdead-apiserver version                      prints the Kubernetes version it embeds
//
// The harness re-executes itself once per component instead of running both in one process:
// kube-apiserver and kube-controller-manager each own process-global state (feature gates, the
// component-globals registry, the legacy metrics registry, klog flags) that is only designed for
// one component per process. See README.md in this directory for the flags and the "ready" line.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	_ "time/tzdata" // CronJob time zones, as in the upstream main packages

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

const (
	subcommandAPIServer         = "kube-apiserver"
	subcommandControllerManager = "kube-controller-manager"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case subcommandAPIServer:
			cmd := apiserverapp.NewAPIServerCommand()
			cmd.SetArgs(os.Args[2:])
			os.Exit(cli.Run(cmd))
		case subcommandControllerManager:
			cmd := kcmapp.NewControllerManagerCommand()
			cmd.SetArgs(os.Args[2:])
			os.Exit(cli.Run(cmd))
		case "version", "--version":
			fmt.Println(kubernetesVersion())
			os.Exit(0)
		}
	}
	os.Exit(runHarness(os.Args[1:]))
}

// kubernetesVersion is the version of k8s.io/kubernetes this binary was built from.
func kubernetesVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/kubernetes" {
				return dep.Version
			}
		}
	}
	return "unknown"
}
