package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const routesTS = `export const RULES: Rule[] = [
  { methods: GET, pattern: "/api/v1/events/*", service: "event-query" },
  { methods: ["POST"], pattern: "/api/v1/orders/**", service: "order" },
];
`

// good is a minimal overlay that passes; each case breaks one thing in it.
const good = `apiVersion: apps/v1
kind: Deployment
metadata: {name: order}
spec:
  selector: {matchLabels: {app: order}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0}}
  template:
    metadata: {labels: {app: order}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: order
          image: ticketly/order:0.1.0
          ports: [{name: http, containerPort: 8083}]
          readinessProbe: {httpGet: {path: /readyz, port: http}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: order}
spec:
  selector: {app: order}
  ports: [{name: http, port: 8083, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: event-query}
spec:
  type: ExternalName
  externalName: q.example
  ports: [{port: 8082}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: order}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: order}
  maxReplicas: 3
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
  behavior: {scaleUp: {stabilizationWindowSeconds: 0}, scaleDown: {stabilizationWindowSeconds: 300}}
---
apiVersion: v1
kind: Secret
metadata: {name: order}
stringData: {STRIPE_SECRET_KEY: ""}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: api}
spec:
  routes:
    - match: Host(` + "`tickets.ticketly.example`" + `) && PathRegexp(` + "`^/api/v1/events/[^/]+$`" + `) && ROUTE1
      priority: 2
      services: [{name: event-query, port: 8082}]
    - match: Host(` + "`tickets.ticketly.example`" + `) && PathRegexp(` + "`^/api/v1/orders(/.*)?$`" + `) && ROUTE2
      priority: 1
      services: [{name: order, port: 8083}]
`

func TestCheckK8s(t *testing.T) {
	dir := t.TempDir()
	routes := filepath.Join(dir, "routes.ts")
	if err := os.WriteFile(routes, []byte(routesTS), 0o644); err != nil {
		t.Fatal(err)
	}
	base := strings.NewReplacer(
		"&& ROUTE1", "&& "+direct+" && (Method(`GET`) || Method(`HEAD`))",
		"&& ROUTE2", "&& "+direct+" && Method(`POST`)",
	).Replace(good)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"valid", "", "", ""},
		{"unknown field", "maxReplicas: 3", "maxReplica: 3", `unknown field "spec.maxReplica"`},
		{"probe on a port not declared", "path: /readyz, port: http", "path: /readyz, port: web", "probe port web"},
		{"selector not matching", "labels: {app: order}", "labels: {app: orders}", "selector does not match"},
		{"latest image", "ticketly/order:0.1.0", "ticketly/order:latest", "not pinned"},
		{"HPA on a missing target", "kind: Deployment, name: order}", "kind: Deployment, name: odrer}", "does not exist"},
		{"HPA metric not requested", "requests: {cpu: 100m, memory: 64Mi}", "requests: {memory: 64Mi}", "cpu and memory requests"},
		{"secret with a value", `STRIPE_SECRET_KEY: ""`, `STRIPE_SECRET_KEY: "sk_live_x"`, "Secrets here are templates"},
		{"route to the wrong service", "[{name: order, port: 8083}]", "[{name: event-query, port: 8082}]", "want order"},
		{"route method differs", "Method(`POST`)", "Method(`PUT`)", "IngressRoute route 1: match"},
		{"priorities do not fall", "priority: 1", "priority: 5", "does not fall"},
		{"rolling update drops pods", "maxUnavailable: 0", "maxUnavailable: 1", "maxUnavailable 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := base
			if tc.old != "" {
				if !strings.Contains(doc, tc.old) {
					t.Fatalf("fixture has no %q", tc.old)
				}
				doc = strings.Replace(doc, tc.old, tc.new, 1)
			}
			f := filepath.Join(t.TempDir(), "rendered.yaml")
			if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			err := checkK8s(f, routes)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}
