package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/config"
)

// The gate reaches a Redis that accepts only TLS and a password (as ElastiCache with
// in-transit encryption and AUTH does): a real redis-server with its own certificate
// authority. Without REDIS_TLS, or trusting another authority, the client is refused.
func TestRedisOverTLS(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (make run installs it)")
	}
	dir := t.TempDir()
	ca := writeCertificates(t, dir)
	port := freePort(t)
	srv := exec.Command(bin, "--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--tls-cert-file", filepath.Join(dir, "server.pem"), "--tls-key-file", filepath.Join(dir, "server.key"),
		"--tls-auth-clients", "no", "--requirepass", "s3cret", "--save", "", "--appendonly", "no", "--dir", dir)
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })

	ping := func(r config.Redis) error {
		r.PoolSize = 1
		c, err := gateRedis(r)
		if err != nil {
			return err
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	}
	addr := "localhost:" + strconv.Itoa(port)
	good := config.Redis{Addr: addr, Password: "s3cret", TLS: true, CAFile: ca}
	deadline := time.Now().Add(10 * time.Second)
	for err = ping(good); err != nil && time.Now().Before(deadline); err = ping(good) {
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("TLS with the server's authority and the password: %v", err)
	}
	for name, r := range map[string]config.Redis{
		"plaintext":       {Addr: addr, Password: "s3cret"},
		"system roots":    {Addr: addr, Password: "s3cret", TLS: true},
		"wrong password":  {Addr: addr, Password: "guess", TLS: true, CAFile: ca},
		"another address": {Addr: "127.0.0.1:" + strconv.Itoa(port), Password: "s3cret", TLS: true, CAFile: ca},
	} {
		if err := ping(r); err == nil {
			t.Errorf("%s: ping succeeded, want a refusal", name)
		}
	}
}

// writeCertificates writes a certificate authority (ca.pem) and a server certificate for
// localhost signed by it (server.pem, server.key) into dir, and returns ca.pem's path.
func writeCertificates(t *testing.T, dir string) string {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ticketly test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, kind string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("server.pem", "CERTIFICATE", der)
	write("server.key", "EC PRIVATE KEY", keyDER)
	return filepath.Join(dir, "ca.pem")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
