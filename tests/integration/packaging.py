#!/usr/bin/python3
"""Packaging check: what the Buildroot package and the Yocto recipe would do, done here.

Neither Buildroot nor Yocto can be downloaded on this machine, so this runs the steps their recipes
declare, with their variables evaluated the way their tools would (GNU make over amp-agent.mk with a
stub of Buildroot's package infrastructure, kconfiglib over Config.in, a BitBake-subset reader over the
.bb), against an aarch64 sysroot staged from Debian's :arm64 packages with a Buildroot/Yocto-like CMake
toolchain file (CMAKE_SYSROOT, find root paths ONLY), DESTDIR installs, the recipes' install hooks and
permission tables, then compares the installed trees with what the recipes declare. It also lints the
recipe files, verifies the installed systemd unit, and runs the installed BusyBox init script under
BusyBox to see it respawn the agent.

Usage: packaging.py [--work DIR] [--keep]   (make test-packaging)
Needs: crossbuild-essential-arm64, the :arm64 -dev packages, qemu-user, busybox, systemd (for
systemd-analyze), and nanopb's 0.4.7 source (AMP_NANOPB_TARBALL, else fetched with `apt-get source`
into the work directory, as Buildroot's host-nanopb fetches its release).
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BR_EXT = os.path.join(REPO, "boards", "buildroot")
LAYER = os.path.join(REPO, "boards", "yocto", "meta-amp-agent")
RECIPE = os.path.join(LAYER, "recipes-monitoring", "amp-agent", "amp-agent_git.bb")
TRIPLET, DEBARCH, QEMU = "aarch64-linux-gnu", "arm64", "qemu-aarch64"
JOBS = str(os.cpu_count() or 2)

failures = []


def ok(what):
    print(f"ok   - {what}")


def fail(what):
    print(f"FAIL - {what}")
    failures.append(what)


def check(cond, what):
    (ok if cond else fail)(what)
    return cond


def run(cmd, **kw):
    """Runs a command; its output is shown only when it fails."""
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if res.returncode != 0:
        print(f"$ {' '.join(shlex.quote(c) for c in cmd)}\n{res.stdout[-4000:]}")
        raise SystemExit(f"FAIL - command failed ({res.returncode}): {cmd[0]}")
    return res.stdout


# --- the aarch64 sysroot ------------------------------------------------------------------------

STAGED = ["libmbedtls-dev", "libsnappy-dev", "libinih-dev", "libnanopb-dev"]


def stage_sysroot(root):
    """A sysroot laid out as Buildroot's staging or Yocto's recipe-sysroot: /usr/{include,lib}, no
    multiarch directories, holding the C library and the agent's dependencies only."""
    usr = os.path.join(root, "usr")
    shutil.copytree(f"/usr/{TRIPLET}/lib", os.path.join(usr, "lib"), symlinks=True)
    shutil.copytree(f"/usr/{TRIPLET}/include", os.path.join(usr, "include"), symlinks=True)
    os.symlink("usr/lib", os.path.join(root, "lib"))
    # glibc's linker scripts name the cross layout's absolute paths; ld prefixes them with the sysroot
    for script in ("libc.so", "libm.so"):
        path = os.path.join(usr, "lib", script)
        if os.path.exists(path) and not os.path.islink(path):
            text = open(path).read().replace(f"/usr/{TRIPLET}/lib/", "/usr/lib/")
            open(path, "w").write(text)
    # the -dev packages and the libraries they depend on (libfoo.so.N for the run time)
    packages = list(STAGED)
    for pkg in STAGED:
        depends = run(["dpkg-query", "-W", "-f=${Depends}", f"{pkg}:{DEBARCH}"])
        packages += [d.split()[0] for d in depends.split(",") if d.strip().startswith("lib")]
    for pkg in packages:
        files = run(["dpkg", "-L", f"{pkg}:{DEBARCH}"]).split("\n")
        for src in files:
            if not os.path.isfile(src):
                continue
            if src.startswith("/usr/include/"):
                rel = src[len("/usr/"):]
            elif src.startswith(f"/usr/lib/{TRIPLET}/"):
                rel = "lib/" + src[len(f"/usr/lib/{TRIPLET}/"):]
            else:
                continue
            dst = os.path.join(usr, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)  # follows links: libfoo.so becomes the library itself
            if dst.endswith(".pc") or dst.endswith(".cmake"):
                text = open(dst).read().replace(f"/usr/lib/{TRIPLET}", "/usr/lib")
                text = text.replace(f"lib/{TRIPLET}/", "lib/")
                # an export file finds its prefix by climbing from where it was installed: one level less
                climb = 'get_filename_component(_IMPORT_PREFIX "${_IMPORT_PREFIX}" PATH)\n'
                if text.count(climb) >= 2:
                    text = text.replace(climb, "", 1)
                open(dst, "w").write(text)
    return root


def toolchain_file(path, sysroot, program_roots):
    """A CMake toolchain file like the ones Buildroot (toolchainfile.cmake) and Yocto (cmake.bbclass)
    write: a real sysroot, and libraries, headers and packages found only inside it."""
    roots = ";".join([sysroot] + program_roots)
    mode = "ONLY" if program_roots else "NEVER"
    open(path, "w").write(f"""set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_SYSROOT "{sysroot}")
set(CMAKE_C_COMPILER {shutil.which(TRIPLET + "-gcc")})
set(CMAKE_CXX_COMPILER {shutil.which(TRIPLET + "-g++")})
set(CMAKE_FIND_ROOT_PATH "{roots}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM {mode})
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{{PKG_CONFIG_SYSROOT_DIR}} "{sysroot}")
set(ENV{{PKG_CONFIG_LIBDIR}} "{sysroot}/usr/lib/pkgconfig:{sysroot}/usr/share/pkgconfig")
set(ENV{{PKG_CONFIG_PATH}} "")
""")
    return path


def cmake_build(src, build, toolchain, options, destdir):
    run(["cmake", "-S", src, "-B", build, f"-DCMAKE_TOOLCHAIN_FILE={toolchain}"] + options)
    run(["cmake", "--build", build, f"-j{JOBS}"])
    run(["cmake", "--install", build], env=dict(os.environ, DESTDIR=destdir))
    return build


def outside_sysroot(build, sysroot):
    """Cache entries naming a library or header directory outside the sysroot: a leak of the build
    machine's files into a target build."""
    bad = []
    for line in open(os.path.join(build, "CMakeCache.txt")):
        m = re.match(r"^([A-Za-z0-9_]+(?:_LIBRARY|_INCLUDE_DIR|_snappy|_inih)|nanopb_DIR):[A-Z]+=(.*)$", line.strip())
        if m and m.group(2).startswith("/") and not m.group(2).startswith(sysroot):
            bad.append(f"{m.group(1)}={m.group(2)}")
    return bad


def elf_facts(binary):
    head = run(["readelf", "-hdW", binary])
    machine = re.search(r"Machine:\s+(.*)", head).group(1).strip()
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", head)
    return machine, needed


def tree(root):
    """Every path under root (relative, with a leading /) with its type and permission bits."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            kind = "d" if stat.S_ISDIR(st.st_mode) else "l" if stat.S_ISLNK(st.st_mode) else "f"
            out["/" + os.path.relpath(path, root)] = (kind, stat.S_IMODE(st.st_mode))
    return out


def files_of(t):
    return sorted(p for p, (kind, _) in t.items() if kind == "f")


# --- Buildroot ----------------------------------------------------------------------------------

BR_STUB = r"""
# A stub of Buildroot's package infrastructure: enough to evaluate the external tree's .mk files.
qstrip = $(strip $(subst ",,$(1)))
cmake-package =
host-generic-package =
INSTALL = install
BR_PATH = $(HOST_DIR)/bin:$(PATH)
include $(BR2_EXTERNAL_AMP_AGENT_PATH)/external.mk

# Each variable's value, raw, into $(OUT)/<name>
dump:
	$(foreach v,$(VARS),$(file >$(OUT)/$(v),$($(v))))
	@:

# The host-nanopb build and install steps, with $(@D) the extracted release as in Buildroot
$(NANOPB_DIR)/.stamp_built:
	$(HOST_NANOPB_BUILD_CMDS)
$(NANOPB_DIR)/.stamp_installed: $(NANOPB_DIR)/.stamp_built
	$(HOST_NANOPB_INSTALL_CMDS)

init-sysv:
	$(AMP_AGENT_INSTALL_INIT_SYSV)
init-systemd:
	$(AMP_AGENT_INSTALL_INIT_SYSTEMD)
"""


def mk_variables(path):
    names = []
    for line in open(path):
        m = re.match(r"^(?:define\s+)?([A-Z][A-Z0-9_]*)\s*(?:[:+?]?=|$)", line)
        if m:
            names.append(m.group(1))
    return names


def br_make(work, target, extra):
    stub = os.path.join(work, "buildroot-stub.mk")
    open(stub, "w").write(BR_STUB)
    args = ["make", "--no-print-directory", "-f", stub, f"BR2_EXTERNAL_AMP_AGENT_PATH={BR_EXT}"]
    return run(args + [f"{k}={v}" for k, v in extra.items()] + [target])


def br_variables(work, config):
    out = os.path.join(work, "br-vars")
    os.makedirs(out, exist_ok=True)
    mks = sorted(glob.glob(os.path.join(BR_EXT, "package", "*", "*.mk")))
    names = sorted({n for mk in mks for n in mk_variables(mk)})
    br_make(work, "dump", dict(config, OUT=out, VARS=" ".join(names)))
    return {n: open(os.path.join(out, n)).read().strip() for n in names}


def lint_ignored():
    """No file of the recipes is hidden by .gitignore (a `build*/` pattern once swallowed boards/buildroot)."""
    if not os.path.isdir(os.path.join(REPO, ".git")) and not os.path.isfile(os.path.join(REPO, ".git")):
        return
    files = [os.path.join(dp, f) for top in (BR_EXT, LAYER, os.path.join(REPO, "boards", "common"))
             for dp, _, fs in os.walk(top) for f in fs]
    res = subprocess.run(["git", "-C", REPO, "check-ignore", "--no-index"] + files, capture_output=True, text=True)
    ignored = [os.path.relpath(f, REPO) for f in res.stdout.split()]
    check(not ignored, f"git: no recipe file is ignored by .gitignore {ignored or ''}")


def lint_buildroot(work):
    mks = sorted(glob.glob(os.path.join(BR_EXT, "package", "*", "*.mk")))
    check(open(os.path.join(BR_EXT, "external.desc")).read().startswith("name: AMP_AGENT\n"),
          "buildroot: external.desc names the tree AMP_AGENT (BR2_EXTERNAL_AMP_AGENT_PATH)")
    for mk in mks:
        pkg = os.path.basename(os.path.dirname(mk))
        prefix = pkg.upper().replace("-", "_")
        check(os.path.basename(mk) == pkg + ".mk", f"buildroot: {pkg}/{os.path.basename(mk)} is named after its folder")
        stray = [n for n in mk_variables(mk) if not (n.startswith(prefix + "_") or n.startswith("HOST_" + prefix + "_"))]
        check(not stray, f"buildroot: every variable of {pkg}.mk starts with {prefix}_ or HOST_{prefix}_ {stray or ''}")
        text = open(mk).read()
        infra = re.findall(r"^\$\(eval \$\((host-)?([a-z]+)-package\)\)$", text, re.M)
        check(len(infra) == 1 and text.rstrip().endswith("-package))"),
              f"buildroot: {pkg}.mk ends with one $(eval $(...-package))")
    # the hash file's lines: "sha256  <64 hex>  <file>"
    for h in glob.glob(os.path.join(BR_EXT, "package", "*", "*.hash")):
        lines = [ln for ln in open(h) if ln.strip() and not ln.startswith("#")]
        check(lines and all(re.match(r"^sha256  [0-9a-f]{64}  \S+$", ln.rstrip("\n")) for ln in lines),
              f"buildroot: {os.path.relpath(h, BR_EXT)} holds well-formed sha256 lines")

    v = br_variables(work, {"BR2_PACKAGE_AMP_AGENT_CONFIG_BOARD": "y", "BR2_PACKAGE_AMP_AGENT_BOARD": '"aarch64-gateway"',
                            "BR2_SHARED_LIBS": "y", "HOST_DIR": "/HOST", "TARGET_DIR": "/TARGET",
                            "AMP_AGENT_SRCDIR": "/SRC", "AMP_AGENT_BUILDDIR": "/SRC/buildroot-build"})
    deps = v["AMP_AGENT_DEPENDENCIES"].split()
    check(all(d in deps for d in ("mbedtls", "snappy", "inih", "host-nanopb")),
          f"buildroot: amp-agent depends on mbedtls, snappy, inih and host-nanopb ({' '.join(deps)})")
    opts = shlex.split(v["AMP_AGENT_CONF_OPTS"])
    check("-DAMP_CONFIG_FILE=/SRC/boards/aarch64-gateway/full.config" in opts and "-DAMP_LINK=dynamic" in opts,
          "buildroot: the board choice and BR2_SHARED_LIBS reach CMake as AMP_CONFIG_FILE and AMP_LINK")
    users = [ln.split() for ln in v["AMP_AGENT_USERS"].splitlines() if ln.strip()]
    check(len(users) == 1 and len(users[0]) >= 9 and users[0][0] == users[0][2] == "amp-agent" and users[0][4] == "*",
          "buildroot: AMP_AGENT_USERS makes a locked amp-agent user with its own group")
    perms = [ln.split() for ln in v["AMP_AGENT_PERMISSIONS"].splitlines() if ln.strip()]
    check(perms and all(len(p) == 10 for p in perms), "buildroot: AMP_AGENT_PERMISSIONS lines have the 10 makedevs fields")
    check("host-protobuf" in v["HOST_NANOPB_DEPENDENCIES"] and "host-python-protobuf" in v["HOST_NANOPB_DEPENDENCIES"],
          "buildroot: host-nanopb needs host-protobuf (protoc) and host-python-protobuf")
    v2 = br_variables(work, {"BR2_PACKAGE_AMP_AGENT_CONFIG_CUSTOM": "y",
                             "BR2_PACKAGE_AMP_AGENT_CUSTOM_CONFIG_FILE": '"/my/amp.config"', "BR2_STATIC_LIBS": "y",
                             "HOST_DIR": "/HOST", "AMP_AGENT_SRCDIR": "/SRC"})
    opts2 = shlex.split(v2["AMP_AGENT_CONF_OPTS"])
    check("-DAMP_CONFIG_FILE=/my/amp.config" in opts2 and "-DAMP_LINK=static" in opts2,
          "buildroot: a custom configuration file and BR2_STATIC_LIBS reach CMake")
    return v


def lint_buildroot_config(work):
    """Buildroot's Config.in is Kconfig: kconfiglib reads it under stub symbols of Buildroot's own."""
    import kconfiglib
    top = os.path.join(work, "br-Config.in")
    stubs = ["BR2_INSTALL_LIBSTDCPP", "BR2_aarch64", "BR2_arm", "BR2_PACKAGE_MBEDTLS", "BR2_PACKAGE_SNAPPY",
             "BR2_PACKAGE_INIH"]
    open(top, "w").write('mainmenu "stub"\n' + "".join(f'config {s}\n\tbool "{s}"\n' for s in stubs) +
                         'menu "External options"\nsource "$BR2_EXTERNAL_AMP_AGENT_PATH/Config.in"\nendmenu\n')
    os.environ["BR2_EXTERNAL_AMP_AGENT_PATH"] = BR_EXT

    def load(**values):
        k = kconfiglib.Kconfig(top, warn_to_stderr=False)
        for name, val in values.items():
            k.syms[name].set_value(val)
        return k

    k = load(BR2_INSTALL_LIBSTDCPP=2, BR2_aarch64=2)
    check(not k.warnings, f"buildroot: Config.in parses without warnings {k.warnings or ''}")
    check(2 in k.syms["BR2_PACKAGE_AMP_AGENT"].assignable, "buildroot: amp-agent can be selected with a C++ toolchain")
    k.syms["BR2_PACKAGE_AMP_AGENT"].set_value(2)
    check(all(k.syms[s].str_value == "y" for s in ("BR2_PACKAGE_MBEDTLS", "BR2_PACKAGE_SNAPPY", "BR2_PACKAGE_INIH")),
          "buildroot: selecting amp-agent selects mbedtls, snappy and inih")
    board = k.syms["BR2_PACKAGE_AMP_AGENT_BOARD"].str_value
    check(board == "aarch64-gateway" and os.path.exists(os.path.join(REPO, "boards", board, "full.config")),
          f"buildroot: an aarch64 target defaults to the aarch64-gateway board, which has a full.config ({board})")
    k = load(BR2_INSTALL_LIBSTDCPP=2, BR2_arm=2)
    k.syms["BR2_PACKAGE_AMP_AGENT"].set_value(2)
    check(k.syms["BR2_PACKAGE_AMP_AGENT_BOARD"].str_value == "armhf-gateway",
          "buildroot: a 32-bit ARM target defaults to the armhf-gateway board")
    k = load(BR2_INSTALL_LIBSTDCPP=0)
    comments = [n.prompt[0] for n in k.node_iter() if n.item == kconfiglib.COMMENT and kconfiglib.expr_value(n.dep)]
    check(not k.syms["BR2_PACKAGE_AMP_AGENT"].assignable and "amp-agent needs a toolchain w/ C++" in comments,
          "buildroot: without C++ amp-agent cannot be selected, and the menu says why")


def buildroot_build(work, sysroot, nanopb_src):
    host = os.path.join(work, "br", "host")
    target = os.path.join(work, "br", "target")
    os.makedirs(os.path.join(host, "bin"))
    os.makedirs(target)
    for tool, path in (("python3", "/usr/bin/python3"), ("protoc", shutil.which("protoc"))):
        os.symlink(path, os.path.join(host, "bin", tool))
    # host-nanopb: its build and install commands over the extracted release
    br_make(work, os.path.join(nanopb_src, ".stamp_installed"), {"HOST_DIR": host, "NANOPB_DIR": nanopb_src})
    check(os.path.exists(os.path.join(host, "share/nanopb/pb_encode.c")) and
          os.path.exists(os.path.join(host, "share/nanopb/generator/proto/nanopb_pb2.py")),
          "buildroot: host-nanopb installs the runtime's sources and a generator with nanopb_pb2.py made by protoc")
    # SITE_METHOD = local: Buildroot copies the source tree into its build directory
    srcdir = os.path.join(work, "br", "build", "amp-agent-0.1.0")
    def leave_out(directory, names):  # the checkout's own build directories, not boards/buildroot
        top = os.path.abspath(directory) == REPO
        return [n for n in names if n in (".git", "__pycache__") or (top and n.startswith("build"))]

    shutil.copytree(REPO, srcdir, symlinks=True, ignore=leave_out)  # as Buildroot's rsync -a
    builddir = os.path.join(srcdir, "buildroot-build")
    config = {"BR2_PACKAGE_AMP_AGENT_CONFIG_BOARD": "y", "BR2_PACKAGE_AMP_AGENT_BOARD": '"aarch64-gateway"',
              "BR2_SHARED_LIBS": "y", "HOST_DIR": host, "TARGET_DIR": target,
              "AMP_AGENT_SRCDIR": srcdir, "AMP_AGENT_BUILDDIR": builddir}
    v = br_variables(work, config)
    tc = toolchain_file(os.path.join(host, "toolchainfile.cmake"), sysroot, [])
    # pkg-cmake.mk's own options, then the package's
    base = ["-DCMAKE_INSTALL_PREFIX=/usr", "-DCMAKE_COLOR_MAKEFILE=OFF", "-DBUILD_DOC=OFF", "-DBUILD_DOCS=OFF",
            "-DBUILD_EXAMPLE=OFF", "-DBUILD_EXAMPLES=OFF", "-DBUILD_TEST=OFF", "-DBUILD_TESTS=OFF",
            "-DBUILD_TESTING=OFF", "-DBUILD_SHARED_LIBS=ON", "-DCMAKE_BUILD_TYPE=Release"]
    cmake_build(srcdir, builddir, tc, base + shlex.split(v["AMP_AGENT_CONF_OPTS"]), target)
    br_make(work, "init-sysv", config)
    br_make(work, "init-systemd", config)
    leaks = outside_sysroot(builddir, sysroot)
    check(not leaks, f"buildroot: every library and header came from the sysroot {leaks or ''}")
    cache = open(os.path.join(builddir, "CMakeCache.txt")).read()
    check(f"NANOPB_GENERATOR:FILEPATH={host}/share/nanopb/generator/nanopb_generator.py" in cache,
          "buildroot: the generator is host-nanopb's, the runtime built from its sources")
    # the permission table, applied as makedevs would (ownership recorded, not changed)
    owners = {}
    for line in v["AMP_AGENT_PERMISSIONS"].splitlines():
        f = line.split()
        path = os.path.join(target, f[0].lstrip("/"))
        if check(os.path.exists(path), f"buildroot: {f[0]} of AMP_AGENT_PERMISSIONS is installed"):
            os.chmod(path, int(f[2], 8))
            owners[f[0]] = f"{f[3]}:{f[4]}"
    return target, builddir, v, owners


# --- Yocto --------------------------------------------------------------------------------------

class BitBake:
    """The subset of BitBake's syntax a recipe like ours uses: assignments (=, ?=, ??=, +=, =+, .=, :=),
    :append/:prepend and :${PN} overrides, line continuations, inherit, shell functions, ${VAR} and
    ${@python} expansion. Anything else is reported, not skipped."""

    def __init__(self, values):
        self.vars = dict(values)
        self.inherits, self.functions, self.errors = [], {}, []

    def parse(self, path):
        lines = open(path).read().split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"^(\w[\w:${}-]*)\(\)\s*\{\s*$", line)
            if m:
                body = []
                while i < len(lines) and lines[i] != "}":
                    body.append(lines[i])
                    i += 1
                i += 1
                self.functions[m.group(1)] = "\n".join(body)
                continue
            while line.endswith("\\") and i < len(lines):
                line = line[:-1] + " " + lines[i].strip()
                i += 1
            m = re.match(r"^inherit\s+(.*)$", line)
            if m:
                self.inherits += m.group(1).split()
                continue
            m = re.match(r'^([A-Za-z_][\w\-${}:]*)\s*(\?\?=|\?=|:=|\+=|=\+|\.=|=)\s*"(.*)"\s*$', line)
            if not m:
                self.errors.append(f"{os.path.basename(path)}: not understood: {line}")
                continue
            name, op, value = m.groups()
            name = name.replace(":${PN}", ":amp-agent")
            if name.endswith(":append"):
                name, op = name[: -len(":append")], ".="
            old = self.vars.get(name)
            if op in ("=", ":="):
                self.vars[name] = value
            elif op in ("?=", "??="):
                self.vars.setdefault(name, value)
            elif op == "+=":
                self.vars[name] = (old + " " if old else "") + value
            elif op == "=+":
                self.vars[name] = value + (" " + old if old else "")
            elif op == ".=":
                self.vars[name] = (old or "") + value
        return self

    def getVar(self, name, expand=True):
        value = self.vars.get(name)
        return self.expand(value) if value is not None and expand else value

    def expand(self, text):
        for _ in range(20):
            new = re.sub(r"\$\{@(.+?)\}(?=\s|$|\"|/)", lambda m: str(self._python(m.group(1))), text)
            new = re.sub(r"\$\{([A-Za-z_][\w:-]*)\}", lambda m: self.vars.get(m.group(1), m.group(0)), new)
            if new == text:
                break
            text = new
        return text

    def _python(self, code):
        class Utils:
            @staticmethod
            def contains(var, item, yes, no, d):
                return yes if item in (d.getVar(var) or "").split() else no

        class BB:
            utils = Utils

        return eval(code, {"bb": BB, "d": self, "os": os})


def yocto_values(work, d_dir):
    """The variables bitbake.conf and the classes would give the recipe for an aarch64 machine of a
    distribution with both systemd and sysvinit (to cover both init files)."""
    return {
        "PN": "amp-agent", "BPN": "amp-agent", "THISDIR": os.path.dirname(RECIPE), "WORKDIR": work,
        "D": d_dir, "TARGET_ARCH": "aarch64", "DISTRO_FEATURES": "systemd sysvinit", "PYTHON": "/usr/bin/python3",
        "prefix": "/usr", "exec_prefix": "/usr", "bindir": "/usr/bin", "sbindir": "/usr/sbin", "sysconfdir": "/etc",
        "datadir": "/usr/share", "libdir": "/usr/lib", "libexecdir": "/usr/libexec", "sharedstatedir": "/com", "localstatedir": "/var", "base_bindir": "/bin",
        "base_sbindir": "/sbin", "nonarch_base_libdir": "/lib", "systemd_unitdir": "/lib/systemd",
        "systemd_system_unitdir": "/lib/systemd/system",
        # bitbake.conf's FILES:${PN}, the parts a program can use
        "FILES:amp-agent": "${bindir}/* ${sbindir}/* ${libexecdir}/* ${sysconfdir} ${sharedstatedir} "
                           "${localstatedir} ${base_bindir}/* ${base_sbindir}/* ${datadir}/${BPN} ${libdir}/${BPN}/*",
    }


def lint_yocto():
    layer = BitBake({"LAYERDIR": LAYER}).parse(os.path.join(LAYER, "conf", "layer.conf"))
    check(not layer.errors, f"yocto: layer.conf reads as BitBake {layer.errors or ''}")
    import fnmatch
    patterns = layer.getVar("BBFILES").split()
    check(any(fnmatch.fnmatch(RECIPE, p) for p in patterns), "yocto: layer.conf's BBFILES finds the recipe")
    check("amp-agent" in layer.getVar("BBFILE_COLLECTIONS").split() and layer.getVar("LAYERSERIES_COMPAT_amp-agent"),
          "yocto: layer.conf names its collection and the releases it works with")
    deps = layer.getVar("LAYERDEPENDS_amp-agent").split()
    check(all(x in deps for x in ("openembedded-layer", "networking-layer", "meta-python")),
          "yocto: the layer depends on meta-oe, meta-networking and meta-python")
    r = BitBake(yocto_values("/W", "/D")).parse(RECIPE)
    check(not r.errors, f"yocto: the recipe reads as BitBake {r.errors or ''}")
    check(all(c in r.inherits for c in ("cmake", "pkgconfig", "systemd", "useradd")),
          f"yocto: the recipe inherits cmake pkgconfig systemd useradd ({' '.join(r.inherits)})")
    deps = r.getVar("DEPENDS").split()
    check(all(x in deps for x in ("mbedtls", "snappy", "libinih", "nanopb", "nanopb-native",
                                  "python3-kconfiglib-native")),
          "yocto: DEPENDS names mbedtls, snappy, libinih, nanopb (target and native), python3-kconfiglib-native")
    for name, body in r.functions.items():
        res = subprocess.run(["bash", "-n"], input=body, text=True, capture_output=True)
        check(res.returncode == 0, f"yocto: {name}() is valid shell {res.stderr.strip()}")
    return r


def yocto_build(work, sysroot):
    d_dir = os.path.join(work, "yocto", "image")
    os.makedirs(d_dir)
    r = BitBake(yocto_values(os.path.join(work, "yocto"), d_dir)).parse(RECIPE)
    # the native sysroot: the tools DEPENDS (and `inherit pkgconfig`) stage for the build machine, nothing else
    native = os.path.join(work, "yocto", "recipe-sysroot-native")
    os.makedirs(os.path.join(native, "usr", "bin"))
    tools = ["python3", "nanopb_generator.py", "protoc", "pkg-config"]
    tools += [f"{TRIPLET}-{t}" for t in ("gcc", "g++", "ar", "ranlib", "nm", "ld", "strip", "size", "readelf",
                                          "objcopy", "objdump")]
    for tool in tools:
        os.symlink(shutil.which(tool, path="/usr/bin"), os.path.join(native, "usr", "bin", tool))
    tc = toolchain_file(os.path.join(work, "yocto", "toolchain.cmake"), sysroot, [native])
    src = r.getVar("EXTERNALSRC")
    check(os.path.realpath(src) == REPO, f"yocto: EXTERNALSRC is the checkout the layer lives in ({src})")
    build = os.path.join(work, "yocto", "build")
    # cmake.bbclass's own options, then EXTRA_OECMAKE
    base = ["-DCMAKE_INSTALL_PREFIX:PATH=/usr", "-DCMAKE_INSTALL_BINDIR:PATH=bin", "-DCMAKE_INSTALL_SBINDIR:PATH=sbin",
            "-DCMAKE_INSTALL_LIBEXECDIR:PATH=libexec", "-DCMAKE_INSTALL_SYSCONFDIR:PATH=/etc",
            "-DCMAKE_INSTALL_LOCALSTATEDIR:PATH=/var", "-DCMAKE_INSTALL_LIBDIR:PATH=lib",
            "-DCMAKE_INSTALL_INCLUDEDIR:PATH=include", "-DCMAKE_INSTALL_DATAROOTDIR:PATH=share",
            "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_MAKE_PROGRAM={shutil.which('make')}"]
    cmake_build(src, build, tc, base + shlex.split(r.getVar("EXTRA_OECMAKE")), d_dir)
    leaks = outside_sysroot(build, sysroot)
    check(not leaks, f"yocto: every library and header came from the sysroot {leaks or ''}")
    # do_install:append under pseudo: ownership is recorded, not applied
    owners_log = os.path.join(work, "yocto", "chown.log")
    body = r.expand(r.functions["do_install:append"])
    script = f'chown() {{ echo "$@" >>"{owners_log}"; }}\nset -e\n{body}\n'
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    check(res.returncode == 0, f"yocto: do_install:append runs {res.stderr.strip()}")
    owners = {}
    for line in open(owners_log):
        who, *paths = line.split()
        for p in paths:
            owners["/" + os.path.relpath(p, d_dir)] = who
    return d_dir, r, owners


# --- the installed trees ------------------------------------------------------------------------

def verify_unit(root, unitdir):
    """systemd-analyze verify, offline, over the installed tree (with the host's targets for the
    unit's dependencies); any complaint fails, not only errors."""
    overlay = tempfile.mkdtemp(prefix="amp-sdroot-")
    try:
        shutil.copytree(root, overlay, symlinks=True, dirs_exist_ok=True)
        os.makedirs(os.path.join(overlay, "usr/lib/systemd/system"), exist_ok=True)
        for t in glob.glob("/usr/lib/systemd/system/*.target"):
            shutil.copy(t, os.path.join(overlay, "usr/lib/systemd/system"))
        unit = os.path.join(overlay, unitdir.lstrip("/"), "amp-agent.service")
        res = subprocess.run(["systemd-analyze", "verify", f"--root={overlay}", unit], capture_output=True, text=True)
        return res.returncode == 0 and not (res.stdout + res.stderr).strip(), (res.stdout + res.stderr).strip()
    finally:
        shutil.rmtree(overlay)


def unit_settings(path):
    out = {}
    for line in open(path):
        m = re.match(r"^(\w+)=(.*)$", line.strip())
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def check_installed_config(root, work):
    """The installed binary (under qemu) and default configuration: refused until a url is set."""
    ini = os.path.join(root, "etc/amp-agent/amp-agent.ini")
    agent = [QEMU, os.path.join(root, "usr/bin/amp-agent")]  # the loader and libraries: Debian's :arm64
    res = subprocess.run(agent + ["-c", ini, "--check"], capture_output=True, text=True)
    check(res.returncode == 2 and "[remote_write] url: missing" in res.stderr,
          f"installed: the default configuration is refused until [remote_write] url is set ({res.stderr.strip()})")
    mine = os.path.join(work, "configured.ini")
    text = open(ini).read().replace("; url = https://", "url = https://")
    open(mine, "w").write(text)
    os.chmod(mine, 0o600)
    res = subprocess.run(agent + ["-c", mine, "--check"], capture_output=True, text=True)
    check(res.returncode == 0, f"installed: with its example url uncommented it passes --check ({res.stderr.strip()})")


def check_init_script(script, work):
    """The installed BusyBox init script, run by BusyBox's sh with BusyBox's start-stop-daemon, over a
    stand-in agent: it respawns an agent that exits, gives up after a configuration error (exit 2), and
    stops the supervisor and the agent."""
    if not shutil.which("busybox"):
        fail("init script: busybox is not installed")
        return
    for shell in (["sh", "-n"], ["bash", "-n"], ["busybox", "sh", "-n"]):
        res = subprocess.run(shell + [script], capture_output=True, text=True)
        check(res.returncode == 0, f"init script: {' '.join(shell)} accepts it {res.stderr.strip()}")
    bb = os.path.join(work, "busybox-bin")
    os.makedirs(bb)
    for applet in ("sh", "start-stop-daemon", "sleep", "logger", "cat", "kill", "rm"):
        os.symlink(shutil.which("busybox"), os.path.join(bb, applet))
    starts = os.path.join(work, "agent-starts")
    fake = os.path.join(work, "fake-agent")
    # exits 1 (a crash) on its first two runs, then runs until TERM; --check always passes
    open(fake, "w").write(f"""#!/bin/sh
case "$*" in *--check*) exit 0 ;; esac
echo "$$" >>{starts}
n=$(wc -l <{starts})
[ -e {work}/exit2 ] && exit 2
[ "$n" -le 2 ] && exit 1
trap 'exit 0' TERM
while :; do sleep 1; done
""")
    os.chmod(fake, 0o755)
    defaults = os.path.join(work, "amp-agent.defaults")
    pidfile = os.path.join(work, "amp-agent.pid")
    open(defaults, "w").write(f"DAEMON={fake}\nCONFIG=/dev/null\nAGENT_USER=\nPIDFILE={pidfile}\nRESPAWN_DELAY=1\n")
    env = dict(os.environ, PATH=bb + ":" + os.environ["PATH"], AMP_AGENT_DEFAULTS=defaults)

    def init(cmd):
        return subprocess.run(["busybox", "sh", script, cmd], env=env, capture_output=True, text=True, timeout=60)

    res = init("start")
    check(res.returncode == 0 and "OK" in res.stdout, f"init script: start ({res.stdout.strip()} {res.stderr.strip()})")
    deadline = time.time() + 15
    while time.time() < deadline and (not os.path.exists(starts) or len(open(starts).read().split()) < 3):
        time.sleep(0.2)
    n = len(open(starts).read().split()) if os.path.exists(starts) else 0
    check(n == 3, f"init script: the agent exited twice and was started again each time ({n} starts)")
    check(init("status").returncode == 0, "init script: status says running")
    agent_pid = int(open(starts).read().split()[-1])
    res = init("stop")
    check(res.returncode == 0 and "OK" in res.stdout, f"init script: stop ({res.stdout.strip()})")
    alive = os.path.exists(f"/proc/{agent_pid}")
    check(not alive and not os.path.exists(pidfile), "init script: stop ends the supervisor and the agent")
    check(init("status").returncode == 3, "init script: status says stopped (exit 3)")
    # a configuration error is not restarted
    os.remove(starts)
    open(os.path.join(work, "exit2"), "w").close()
    init("start")
    deadline = time.time() + 10
    while time.time() < deadline and os.path.exists(pidfile) and init("status").returncode == 0:
        time.sleep(0.2)
    time.sleep(1.5)
    n = len(open(starts).read().split()) if os.path.exists(starts) else 0
    check(n == 1 and init("status").returncode == 3, f"init script: exit status 2 is not restarted ({n} starts)")
    init("stop")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", help="work directory (default: a new one under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="amp-packaging-")
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    try:
        lint_ignored()
        lint_buildroot(work)
        lint_buildroot_config(work)
        lint_yocto()
        sysroot = stage_sysroot(os.path.join(work, "sysroot"))
        nanopb_src = fetch_nanopb(work)

        br_root, br_build, br_vars, br_owners = buildroot_build(work, sysroot, nanopb_src)
        yo_root, recipe, yo_owners = yocto_build(work, sysroot)
        br_tree, yo_tree = tree(br_root), tree(yo_root)

        # what the Buildroot package declares: CMake's install manifest, the init hooks, the permissions
        manifest = [line.strip() for line in open(os.path.join(br_build, "install_manifest.txt")) if line.strip()]
        hooks = re.findall(re.escape(br_root) + r"(/\S+)", br_vars["AMP_AGENT_INSTALL_INIT_SYSV"] + " " +
                           br_vars["AMP_AGENT_INSTALL_INIT_SYSTEMD"])
        declared = sorted(set(manifest + hooks))
        check(files_of(br_tree) == declared,
              f"buildroot: the target tree holds exactly what the package declares {files_of(br_tree)} vs {declared}")
        expect = {"/usr/bin/amp-agent": 0o755, "/etc/amp-agent": 0o750, "/etc/amp-agent/amp-agent.ini": 0o640,
                  "/etc/init.d/S95amp-agent": 0o755, "/usr/lib/systemd/system/amp-agent.service": 0o644}
        got = {p: br_tree[p][1] for p in expect if p in br_tree}
        check(got == expect, f"buildroot: paths and modes {json.dumps({k: oct(v) for k, v in got.items()})}")
        check(br_owners == {"/etc/amp-agent": "root:amp-agent", "/etc/amp-agent/amp-agent.ini": "root:amp-agent"},
              f"buildroot: the configuration is root:amp-agent ({br_owners})")
        machine, needed = elf_facts(os.path.join(br_root, "usr/bin/amp-agent"))
        missing = [n for n in needed if not os.path.exists(os.path.join(sysroot, "usr/lib", n))]
        check(machine == "AArch64" and not missing,
              f"buildroot: an AArch64 binary whose libraries are all in the sysroot ({' '.join(needed)})")

        # what the Yocto recipe declares: FILES, CONFFILES, SYSTEMD_SERVICE, INITSCRIPT_NAME, ownership
        import fnmatch
        files_patterns = recipe.getVar("FILES:amp-agent").split()
        unshipped = [p for p in files_of(yo_tree) if not any(
            fnmatch.fnmatch(p, pat) or p.startswith(pat.rstrip("/") + "/") or p == pat for pat in files_patterns)]
        check(not unshipped, f"yocto: every installed file is in FILES:${{PN}} (no installed-vs-shipped) {unshipped or ''}")
        conffiles = recipe.getVar("CONFFILES:amp-agent").split()
        check(conffiles and all(yo_tree.get(c, ("", 0))[0] == "f" for c in conffiles),
              f"yocto: CONFFILES are installed files ({' '.join(conffiles)})")
        unitdir = recipe.getVar("systemd_system_unitdir")
        service = recipe.getVar("SYSTEMD_SERVICE:amp-agent")
        check(f"{unitdir}/{service}" in yo_tree, f"yocto: SYSTEMD_SERVICE is installed in {unitdir}")
        initscript = f"{recipe.getVar('sysconfdir')}/init.d/{recipe.getVar('INITSCRIPT_NAME')}"
        check(initscript in yo_tree, f"yocto: INITSCRIPT_NAME is installed as {initscript}")
        check(yo_tree.get("/etc/amp-agent/amp-agent.ini", ("", 0))[1] == 0o640 and
              yo_owners.get("/etc/amp-agent/amp-agent.ini") == "root:amp-agent",
              "yocto: the configuration is root:amp-agent 0640 after do_install")
        useradd = recipe.getVar("USERADD_PARAM:amp-agent").split()
        check(useradd[-1] == "amp-agent" and "--system" in useradd and "--user-group" in useradd,
              "yocto: useradd makes a system user amp-agent with its own group")

        # the two packages install the same things
        same = lambda a, b: open(a, "rb").read() == open(b, "rb").read()
        check(same(f"{br_root}/etc/amp-agent/amp-agent.ini", f"{yo_root}/etc/amp-agent/amp-agent.ini") and
              same(f"{br_root}/etc/init.d/S95amp-agent", f"{yo_root}{initscript}") and
              same(f"{br_root}/usr/lib/systemd/system/amp-agent.service", f"{yo_root}{unitdir}/{service}"),
              "both: the configuration, init script and unit are the same files")
        for root, udir, who in ((br_root, "/usr/lib/systemd/system", "buildroot"), (yo_root, unitdir, "yocto")):
            good, out = verify_unit(root, udir)
            check(good, f"{who}: systemd-analyze verify accepts the installed unit {out}")
        u = unit_settings(f"{br_root}/usr/lib/systemd/system/amp-agent.service")
        script_user = re.search(r"^AGENT_USER=(\S*)", open(f"{br_root}/etc/init.d/S95amp-agent").read(), re.M).group(1)
        check(u["User"] == ["amp-agent"] and u["Group"] == ["amp-agent"] and script_user == "amp-agent",
              "both: the unit and the init script run the agent as the recipes' amp-agent user")
        check(u["Type"] == ["notify"] and "WatchdogSec" in u and u["NoNewPrivileges"] == ["yes"] and
              u["ProtectSystem"] == ["strict"] and u["StateDirectory"] == ["amp-agent"] and u["CapabilityBoundingSet"] == [""],
              "unit: Type=notify with a watchdog, no privileges, read-only system, a state directory")
        check(u["ExecStart"][0].split()[0] == "/usr/bin/amp-agent" and "/etc/amp-agent/amp-agent.ini" in u["ExecStart"][0],
              "unit: ExecStart names the installed binary and configuration")

        # `make install` (CMake's defaults: unit and init script too) lays out what Buildroot's package does
        mi = os.path.join(work, "make-install")
        run(["cmake", "-DAMP_INSTALL_SYSTEMD_UNIT=ON", "-DAMP_INSTALL_INIT_SCRIPT=ON", br_build])
        run(["cmake", "--install", br_build], env=dict(os.environ, DESTDIR=mi))
        mi_tree = tree(mi)
        check(files_of(mi_tree) == files_of(br_tree) and all(mi_tree[p] == br_tree[p] for p in files_of(br_tree)),
              f"make install: CMake's install rules alone give Buildroot's tree ({' '.join(files_of(mi_tree))})")
        check_installed_config(br_root, work)
        check_init_script(f"{br_root}/etc/init.d/S95amp-agent", work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")
    print(f"packaging: {'FAILED: ' + str(len(failures)) if failures else 'all checks passed'}")
    return 1 if failures else 0


def system_deb_src():
    """The system's apt sources (deb822 .sources files and sources.list lines) as deb-src entries."""
    stanzas = []
    d = "/etc/apt/sources.list.d"
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if name.endswith(".sources"):
            for stanza in open(os.path.join(d, name)).read().split("\n\n"):
                lines = [l for l in stanza.splitlines() if l.strip() and not l.startswith("#")]
                if any(l.strip() == "Types: deb" for l in lines):
                    stanzas.append("\n".join("Types: deb-src" if l.strip() == "Types: deb" else l for l in lines))
    if os.path.exists("/etc/apt/sources.list"):
        for line in open("/etc/apt/sources.list"):
            if line.startswith("deb "):
                parts = line.split()
                stanzas.append("Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s" %
                               (parts[1], parts[2], " ".join(parts[3:])))
    if not stanzas:
        raise SystemExit("packaging: no Debian apt source on this machine to fetch nanopb's source from "
                         "(set AMP_NANOPB_TARBALL)")
    return "\n\n".join(stanzas) + "\n"


def fetch_nanopb(work):
    """nanopb 0.4.7's source, as host-nanopb's download would give it: AMP_NANOPB_TARBALL, else Debian's
    source package (the release's tree) through apt-get source with a private sources list."""
    tarball = os.environ.get("AMP_NANOPB_TARBALL")
    if not tarball:
        apt = os.path.join(work, "apt")
        for d in ("parts", "lists/partial", "cache/archives/partial", "dl"):
            os.makedirs(os.path.join(apt, d))
        # the machine's own Debian archive (whatever mirror apt is set up with), asked for sources instead
        open(os.path.join(apt, "parts", "src.sources"), "w").write(system_deb_src())
        opts = ["-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={apt}/parts",
                "-o", f"Dir::State::Lists={apt}/lists", "-o", f"Dir::Cache={apt}/cache", "-o", "APT::Sandbox::User=root"]
        run(["apt-get", "-q"] + opts + ["update"])
        run(["apt-get", "-q"] + opts + ["source", "--download-only", "nanopb=0.4.7-2"], cwd=os.path.join(apt, "dl"))
        tarball = os.path.join(apt, "dl", "nanopb_0.4.7.orig.tar.gz")
    dest = os.path.join(work, "nanopb-0.4.7")
    os.makedirs(dest)
    run(["tar", "xzf", tarball, "-C", dest, "--strip-components=1"])
    return dest


if __name__ == "__main__":
    sys.exit(main())
