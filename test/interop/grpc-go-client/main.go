// Command grpc-go-client calls the provider with grpc-go, dialing the way the Secrets Store CSI
// Driver does, for the interop check (test/interop/interop.check.ts, issue 9). It reads a JSON
// plan on stdin, runs its steps in order on one ClientConn and prints the results as JSON.
//
// Dial styles:
//   - "legacy": the raw socket path as target and a custom unix dialer, as drivers up to v1.5
//     do. grpc-go then sends the path as HTTP/2 :authority.
//   - "v1.6": a "unix://" target and authority "localhost", as driver v1.6 does.
//
// Built in GOPATH mode from Debian's golang-google-grpc-dev by scripts/interop.sh; the Go code of
// the service is generated from proto/v1alpha1/service.proto into a temporary GOPATH.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	pb "interopclient/v1alpha1"
)

// The driver's default receive limit (--max-call-recv-msg-size).
const maxReceiveBytes = 4 * 1024 * 1024

type plan struct {
	Socket string `json:"socket"`
	Dial   string `json:"dial"`
	Steps  []step `json:"steps"`
}

type mountRequest struct {
	Attributes string `json:"attributes"`
	Secrets    string `json:"secrets"`
	TargetPath string `json:"targetPath"`
	Permission string `json:"permission"`
}

type step struct {
	Name    string        `json:"name"`
	Kind    string        `json:"kind"` // "version", "mount" or "concurrent-mounts"
	Request *mountRequest `json:"request,omitempty"`
	Count   int           `json:"count,omitempty"`
}

type file struct {
	Path   string `json:"path"`
	Mode   int32  `json:"mode"`
	Size   int    `json:"size"`
	Sha256 string `json:"sha256"`
}

type mountResult struct {
	Code           string            `json:"code"`
	Message        string            `json:"message,omitempty"`
	Files          []file            `json:"files"`
	ObjectVersions map[string]string `json:"objectVersions"`
}

type stepResult struct {
	Name       string              `json:"name"`
	Version    *pb.VersionResponse `json:"version,omitempty"`
	Code       string              `json:"code,omitempty"`
	Message    string              `json:"message,omitempty"`
	Mounts     []mountResult       `json:"mounts,omitempty"`
	DurationMs float64             `json:"durationMs"`
}

func main() {
	var input plan
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		fail("cannot read the plan: %v", err)
	}
	conn, err := dial(input)
	if err != nil {
		fail("cannot dial %q: %v", input.Socket, err)
	}
	defer conn.Close()
	client := pb.NewCSIDriverProviderClient(conn)
	results := make([]stepResult, 0, len(input.Steps))
	for _, s := range input.Steps {
		started := time.Now()
		result := run(client, s)
		result.Name = s.Name
		result.DurationMs = float64(time.Since(started).Microseconds()) / 1000
		results = append(results, result)
	}
	out := map[string]interface{}{"target": conn.Target(), "results": results}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("cannot write the results: %v", err)
	}
}

func dial(input plan) (*grpc.ClientConn, error) {
	options := []grpc.DialOption{
		grpc.WithInsecure(),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxReceiveBytes)),
	}
	switch input.Dial {
	case "legacy":
		options = append(options, grpc.WithContextDialer(
			func(ctx context.Context, target string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", target)
			}))
		return grpc.Dial(input.Socket, options...)
	case "v1.6":
		options = append(options, grpc.WithAuthority("localhost"))
		return grpc.Dial("unix://"+input.Socket, options...)
	}
	return nil, fmt.Errorf("unknown dial style %q", input.Dial)
}

func run(client pb.CSIDriverProviderClient, s step) stepResult {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	switch s.Kind {
	case "version":
		answer, err := client.Version(ctx, &pb.VersionRequest{Version: "v1alpha1"})
		st := status.Convert(err)
		return stepResult{Version: answer, Code: st.Code().String(), Message: st.Message()}
	case "mount":
		return stepResult{Mounts: []mountResult{mount(ctx, client, s.Request)}}
	case "concurrent-mounts":
		mounts := make([]mountResult, s.Count)
		var wg sync.WaitGroup
		for i := range mounts {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				mounts[i] = mount(ctx, client, s.Request)
			}(i)
		}
		wg.Wait()
		return stepResult{Mounts: mounts}
	}
	fail("unknown step kind %q", s.Kind)
	return stepResult{}
}

func mount(ctx context.Context, client pb.CSIDriverProviderClient, r *mountRequest) mountResult {
	if r == nil {
		fail("a mount step needs a request")
	}
	answer, err := client.Mount(ctx, &pb.MountRequest{
		Attributes: r.Attributes,
		Secrets:    r.Secrets,
		TargetPath: r.TargetPath,
		Permission: r.Permission,
	})
	if err != nil {
		st := status.Convert(err)
		return mountResult{Code: st.Code().String(), Message: st.Message()}
	}
	result := mountResult{Code: "OK", ObjectVersions: map[string]string{}}
	for _, f := range answer.GetFiles() {
		digest := sha256.Sum256(f.GetContents())
		result.Files = append(result.Files, file{
			Path:   f.GetPath(),
			Mode:   f.GetMode(),
			Size:   len(f.GetContents()),
			Sha256: hex.EncodeToString(digest[:]),
		})
	}
	for _, v := range answer.GetObjectVersion() {
		result.ObjectVersions[v.GetId()] = v.GetVersion()
	}
	return result
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "grpc-go-client: "+format+"\n", args...)
	os.Exit(1)
}
