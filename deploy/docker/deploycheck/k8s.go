package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	sigsyaml "sigs.k8s.io/yaml"
)

// crds are the custom kinds the manifests use (Traefik's IngressRoute, k3s's
// HelmChartConfig): no Go types here, so they are read as unstructured and checked below.
var crds = map[string]bool{"IngressRoute": true, "HelmChartConfig": true}

// manifests holds the objects of one rendered overlay.
type manifests struct {
	deployments  []*appsv1.Deployment
	statefulsets []*appsv1.StatefulSet
	services     map[string]*corev1.Service
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	pdbs         []*policyv1.PodDisruptionBudget
	netpols      []*networkingv1.NetworkPolicy
	ingresses    []*networkingv1.Ingress
	configmaps   map[string]bool
	secrets      []*corev1.Secret
	routes       []*unstructured.Unstructured
}

// checkK8s decodes every document of file (kustomize's output) strictly into the Kubernetes
// API types (client-go: unknown fields and duplicate keys are errors) and checks what a
// schema cannot: selectors match pod labels, probes hit declared ports, every reference
// (HPA target, Service backend, envFrom, volume) exists, images are pinned, pods are
// non-root and bounded, Secrets are templates, and the Traefik routes are web/lib/routes.ts.
func checkK8s(file, routesTS string) error {
	m, err := decodeAll(file)
	if err != nil {
		return err
	}
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	type workload struct {
		kind, name string
		sel        *metav1.LabelSelector
		pod        corev1.PodTemplateSpec
	}
	var wls []workload
	for _, d := range m.deployments {
		wls = append(wls, workload{"Deployment", d.Name, d.Spec.Selector, d.Spec.Template})
		if d.Spec.Strategy.RollingUpdate == nil || d.Spec.Strategy.RollingUpdate.MaxUnavailable == nil ||
			d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 {
			add("Deployment %s: rolling updates must keep every pod until its replacement is ready (maxUnavailable 0)", d.Name)
		}
	}
	for _, s := range m.statefulsets {
		wls = append(wls, workload{"StatefulSet", s.Name, s.Spec.Selector, s.Spec.Template})
	}
	podsMatching := func(sel labels.Selector) []workload {
		var out []workload
		for _, w := range wls {
			if sel.Matches(labels.Set(w.pod.Labels)) {
				out = append(out, w)
			}
		}
		return out
	}
	for _, w := range wls {
		sel, err := selectorOf(w.sel)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(w.pod.Labels)) {
			add("%s %s: selector does not match its pod labels", w.kind, w.name)
		}
		checkPod(w.kind+" "+w.name, w.pod.Spec, m, add)
	}
	for _, s := range m.services {
		if s.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		matched := podsMatching(labels.SelectorFromSet(s.Spec.Selector))
		if len(s.Spec.Selector) == 0 || len(matched) == 0 {
			add("Service %s: selector matches no workload", s.Name)
			continue
		}
		for _, p := range s.Spec.Ports {
			if !hasPort(matched[0].pod.Spec, p.TargetPort) {
				add("Service %s: targetPort %s is not a port of %s", s.Name, p.TargetPort.String(), matched[0].name)
			}
		}
	}
	for _, h := range m.hpas {
		ref := h.Spec.ScaleTargetRef
		found := false
		for _, w := range wls {
			if w.kind == ref.Kind && w.name == ref.Name {
				found = true
				for _, c := range w.pod.Spec.Containers {
					for _, mt := range h.Spec.Metrics {
						if mt.Resource != nil {
							if _, ok := c.Resources.Requests[mt.Resource.Name]; !ok {
								add("HPA %s: %s scales on %s, which container %s does not request", h.Name, ref.Name, mt.Resource.Name, c.Name)
							}
						}
					}
				}
			}
		}
		if !found {
			add("HPA %s: target %s %s does not exist", h.Name, ref.Kind, ref.Name)
		}
		if h.Spec.Behavior == nil || h.Spec.Behavior.ScaleUp == nil || h.Spec.Behavior.ScaleDown == nil {
			add("HPA %s: no scale-up and scale-down behaviour", h.Name)
		}
	}
	for _, p := range m.pdbs {
		sel, err := selectorOf(p.Spec.Selector)
		if err != nil || len(podsMatching(sel)) == 0 {
			add("PodDisruptionBudget %s: selector matches no workload", p.Name)
		}
	}
	for _, n := range m.netpols {
		sel, err := selectorOf(&n.Spec.PodSelector)
		if err != nil || (!sel.Empty() && len(podsMatching(sel)) == 0) {
			add("NetworkPolicy %s: podSelector matches no workload", n.Name)
		}
	}
	for _, ing := range m.ingresses {
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if s, ok := m.services[b.Name]; !ok || !serviceHasPort(s, b.Port.Name, b.Port.Number) {
					add("Ingress %s: backend %s port %s%d is not a Service port", ing.Name, b.Name, b.Port.Name, b.Port.Number)
				}
			}
		}
	}
	for _, s := range m.secrets {
		for k, v := range s.StringData {
			if v != "" {
				add("Secret %s: %s has a value; Secrets here are templates", s.Name, k)
			}
		}
		if len(s.Data) > 0 {
			add("Secret %s: data is set; Secrets here are templates", s.Name)
		}
	}
	if err := checkRoutes(m, routesTS); err != nil {
		errs = append(errs, err)
	}
	fmt.Printf("k8s %s: %d workloads, %d services, %d HPAs, %d PDBs, %d network policies, %d routes checked\n",
		file, len(wls), len(m.services), len(m.hpas), len(m.pdbs), len(m.netpols), len(m.routes))
	return errors.Join(errs...)
}

// checkPod holds a pod to the rules every workload here follows.
func checkPod(what string, spec corev1.PodSpec, m *manifests, add func(string, ...any)) {
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		add("%s: pod does not set runAsNonRoot", what)
	}
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil && !m.configmaps[v.ConfigMap.Name] {
			add("%s: volume %s uses missing ConfigMap %s", what, v.Name, v.ConfigMap.Name)
		}
	}
	for _, c := range spec.Containers {
		where := what + " container " + c.Name
		if !pinned(c.Image) {
			add("%s: image %q is not pinned to a version tag", where, c.Image)
		}
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			add("%s: needs readiness and liveness probes", where)
		}
		for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
			if p == nil {
				continue
			}
			if p.HTTPGet != nil && !hasPort(spec, p.HTTPGet.Port) {
				add("%s: probe port %s is not a container port", where, p.HTTPGet.Port.String())
			}
			if p.TCPSocket != nil && !hasPort(spec, p.TCPSocket.Port) {
				add("%s: probe port %s is not a container port", where, p.TCPSocket.Port.String())
			}
		}
		r := c.Resources
		if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || r.Limits.Memory().IsZero() {
			add("%s: needs cpu and memory requests and a memory limit", where)
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			add("%s: must drop ALL capabilities and disallow privilege escalation", where)
		}
		// Ticketly's own images run with a read-only root (they write only to /tmp).
		if strings.HasPrefix(c.Image, "ticketly/") && (sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem) {
			add("%s: root filesystem must be read-only", where)
		}
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil && !m.configmaps[ef.ConfigMapRef.Name] {
				add("%s: envFrom missing ConfigMap %s", where, ef.ConfigMapRef.Name)
			}
			if ef.SecretRef != nil && !m.hasSecret(ef.SecretRef.Name) {
				add("%s: envFrom missing Secret %s", where, ef.SecretRef.Name)
			}
		}
	}
}

func (m *manifests) hasSecret(name string) bool {
	for _, s := range m.secrets {
		if s.Name == name {
			return true
		}
	}
	return false
}

func pinned(image string) bool {
	ref := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(ref, ":")
	return ok && tag != "" && tag != "latest"
}

func hasPort(spec corev1.PodSpec, port intstr.IntOrString) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
				return true
			}
		}
	}
	return false
}

func serviceHasPort(s *corev1.Service, name string, number int32) bool {
	for _, p := range s.Spec.Ports {
		if (name != "" && p.Name == name) || (number != 0 && p.Port == number) {
			return true
		}
	}
	return false
}

// decodeAll splits file into documents and decodes each strictly.
func decodeAll(file string) (*manifests, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	codecs := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
	dec := codecs.UniversalDeserializer()
	m := &manifests{services: map[string]*corev1.Service{}, configmaps: map[string]bool{}}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var errs []error
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var probe struct {
			Kind string `json:"kind"`
		}
		if err := sigsyaml.Unmarshal(doc, &probe); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		if crds[probe.Kind] {
			u := &unstructured.Unstructured{}
			if err := sigsyaml.Unmarshal(doc, &u.Object); err != nil {
				return nil, err
			}
			if probe.Kind == "IngressRoute" {
				m.routes = append(m.routes, u)
			}
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: document %d (%s): %w", file, i, probe.Kind, err))
			continue
		}
		m.add(obj)
	}
	return m, errors.Join(errs...)
}

func (m *manifests) add(obj runtime.Object) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		m.deployments = append(m.deployments, o)
	case *appsv1.StatefulSet:
		m.statefulsets = append(m.statefulsets, o)
	case *corev1.Service:
		m.services[o.Name] = o
	case *autoscalingv2.HorizontalPodAutoscaler:
		m.hpas = append(m.hpas, o)
	case *policyv1.PodDisruptionBudget:
		m.pdbs = append(m.pdbs, o)
	case *networkingv1.NetworkPolicy:
		m.netpols = append(m.netpols, o)
	case *networkingv1.Ingress:
		m.ingresses = append(m.ingresses, o)
	case *corev1.ConfigMap:
		m.configmaps[o.Name] = true
	case *corev1.Secret:
		m.secrets = append(m.secrets, o)
	}
}

func selectorOf(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Nothing(), nil
	}
	return metav1.LabelSelectorAsSelector(s)
}
