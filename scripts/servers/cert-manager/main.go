// Command cert-manager-controller runs cert-manager's own control loops (from the
// github.com/cert-manager/cert-manager module) for Weft's end-to-end tests.
//
// cert-manager's controller main lives in the nested module cmd/controller
// (module path github.com/cert-manager/cert-manager/controller-binary), which is not
// published on the Go module proxy and replaces its parent with ../../, so it cannot
// be built from the proxy. The control loops themselves are in the published root
// module and register themselves by init(); this file only wires them, the way the
// upstream binary does: build a controller context from a kubeconfig, construct the
// enabled controllers, start the shared informers, run until SIGINT/SIGTERM.
// No leader election, no webhook, no metrics listener.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"

	// Control loops and issuer back ends, registered by their init functions.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The loops a CA or SelfSigned Issuer needs: issuer readiness, the built-in approver, the signers.
const defaultControllers = "issuers,clusterissuers,certificaterequests-approver,certificaterequests-issuer-ca,certificaterequests-issuer-selfsigned"

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig for the API server")
	controllers := flag.String("controllers", defaultControllers, "comma-separated control loops to run")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "cert-manager", "namespace of ClusterIssuer secrets")
	workers := flag.Int("concurrent-workers", 5, "workers per control loop")
	// Accepted for command-line compatibility with the upstream binary; this build never elects a leader.
	flag.Bool("leader-elect", false, "ignored: leader election is never used")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *version {
		fmt.Printf("cert-manager-controller %s (controllers from github.com/cert-manager/cert-manager %s)\n", util.AppVersion, util.AppVersion)
		return
	}
	if err := run(*kubeconfig, *controllers, *clusterResourceNamespace, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "cert-manager-controller:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, controllers, clusterResourceNamespace string, workers int) error {
	root, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logf.InitLogs()
	defer logf.FlushLogs()
	root = logf.NewContext(root, logf.Log, "controller")
	log := logf.FromContext(root)

	enabled := map[string]bool{}
	for _, name := range strings.Split(controllers, ",") {
		if name = strings.TrimSpace(name); name != "" {
			if _, ok := controller.Known()[name]; !ok {
				return fmt.Errorf("unknown controller %q (known: %s)", name, strings.Join(knownNames(), ", "))
			}
			enabled[name] = true
		}
	}

	opts := controller.ContextOptions{Kubeconfig: kubeconfig, KubernetesAPIQPS: 50, KubernetesAPIBurst: 100}
	opts.ClusterResourceNamespace = clusterResourceNamespace
	factory, err := controller.NewContextFactory(root, opts)
	if err != nil {
		return err
	}
	shared, err := factory.Build()
	if err != nil {
		return err
	}

	group, ctx := errgroup.WithContext(root)
	for _, name := range knownNames() {
		if !enabled[name] {
			continue
		}
		loop, err := controller.Known()[name](factory)
		if err != nil {
			return fmt.Errorf("constructing controller %s: %w", name, err)
		}
		log.Info("starting controller", "controller", name)
		group.Go(func() error { return loop.Run(workers, ctx) })
	}
	// Informers start after every loop has registered the ones it needs.
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	err = group.Wait()
	shared.SharedInformerFactory.Shutdown()
	shared.KubeSharedInformerFactory.Shutdown()
	shared.HTTP01ResourceMetadataInformersFactory.Shutdown()
	log.Info("control loops exited")
	return err
}

func knownNames() []string {
	names := make([]string, 0, len(controller.Known()))
	for name := range controller.Known() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
