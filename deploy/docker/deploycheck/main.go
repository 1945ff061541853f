// deploycheck runs the deployment checks that need a Go library (deploy/local/deploytest.sh):
//
//	deploycheck compose FILE          load FILE as Docker Compose v2 does (compose-go, schema on)
//	                                  and hold every service to the stack's rules
//	deploycheck k8s FILE ROUTES_TS    a rendered overlay, decoded strictly (client-go) and held
//	                                  to the rules a schema cannot state
//	deploycheck metrics ROOT [-prometheus URL] URL...
//	                                  every metric a rule or dashboard uses is exported
//
// It is its own module, so its dependencies stay out of the services' go.mod.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: deploycheck compose FILE | k8s FILE ROUTES_TS | metrics ROOT [-prometheus URL] URL...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "compose":
		err = checkCompose(os.Args[2])
	case "k8s":
		if len(os.Args) != 4 {
			err = fmt.Errorf("usage: deploycheck k8s FILE ROUTES_TS")
			break
		}
		err = checkK8s(os.Args[2], os.Args[3])
	case "metrics":
		urls, prom := os.Args[3:], ""
		if len(urls) >= 2 && urls[0] == "-prometheus" {
			prom, urls = urls[1], urls[2:]
		}
		err = checkMetrics(os.Args[2], urls, prom)
	default:
		err = fmt.Errorf("unknown check %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
