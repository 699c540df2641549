// Prints the dataplane pods' seccomp profile: containerd's RuntimeDefault profile, from
// containerd's own code (contrib/seccomp.DefaultProfile, the version go.mod pins), for a
// container with no capabilities (the dataplane drops ALL), plus the three io_uring system calls
// containerd 2 leaves out. Nothing else is added. The profile is the OCI LinuxSeccomp JSON a
// Localhost profile of the kubelet is (containerd reads it into the spec as it is).
// Run by scripts/generate-seccomp-profile.sh; the output is src/agent/seccomp/dataplane-<arch>.json.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/containerd/containerd/v2/contrib/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var ioUring = []string{"io_uring_enter", "io_uring_register", "io_uring_setup"}

func main() {
	// No capabilities: the rules containerd adds for CAP_SYS_ADMIN, CAP_BPF, ... stay out.
	profile := seccomp.DefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}})
	for _, s := range profile.Syscalls {
		for _, n := range s.Names {
			if slices.Contains(ioUring, n) && s.Action == specs.ActAllow && len(s.Args) == 0 {
				fmt.Fprintf(os.Stderr, "containerd's default already allows %s: nothing to add\n", n)
				os.Exit(1)
			}
		}
	}
	profile.Syscalls = append(profile.Syscalls, specs.LinuxSyscall{Names: ioUring, Action: specs.ActAllow})
	out, err := json.MarshalIndent(profile, "", "  ")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
}
