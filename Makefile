# cfc - one non-recursive GNU Makefile.
#
#   make            build libcf.a and cfc into build/ (installs missing deps as root)
#   make check      build and run every test (unit + command line)
#   make asan       the same tests under AddressSanitizer + UBSan (= SANITIZE=1 make check)
#   make demo       run the whole pipeline on samples/
#   make bench      cfc against yarac and minisign, writes bench/results.md
#   make deps       install the Debian packages the project needs
#   V=1             show the commands
#
# Library code lives in the component folders (COMPONENTS), public headers in
# include/cf/; cli/ is the thin command-line front end and is not part of
# libcf. The layers and what each folder holds: docs/architecture.md.

.DEFAULT_GOAL := all
SHELL := /bin/bash

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

PKGS := libsodium yaml-0.1 libpcre2-8 libarchive jansson libzstd zlib
TEST_PKGS := cmocka
# What building needs, and what the tests, demo and benchmarks need besides.
BUILD_DEBS := build-essential pkg-config libsodium-dev libyaml-dev libpcre2-dev \
	libarchive-dev libjansson-dev libzstd-dev zlib1g-dev
TEST_DEBS := libcmocka-dev zstd minisign yara python3 python3-jsonschema python3-yaml \
	valgrind man-db clang libclang-rt-14-dev time
DEB_PACKAGES := $(BUILD_DEBS) $(TEST_DEBS)

VERSION := 0.1.0

ifeq ($(FUZZ),1)
# libFuzzer build: clang, ASan + UBSan, coverage instrumentation.
CC := clang
BUILD ?= build/fuzz
SAN_FLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT ?= -O1
else ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT ?= -O1
else
BUILD ?= build
SAN_FLAGS :=
OPT ?= -O2
endif

WARN := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes
# pkg-config is asked lazily (=), after `deps` may have installed things.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsodium -lyaml -lpcre2-8 -larchive -ljansson -lzstd -lz)
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

ALL_CFLAGS = -std=c17 $(OPT) -g $(WARN) $(SAN_FLAGS) -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 \
	-DCF_VERSION='"$(VERSION)"' -Iinclude -I. $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
endif

COMPONENTS := format base template cfc lint signing release sensor
# Entry points for tests only (they skip checks a sensor must make): in the
# test archive, never in the installed libcf.a.
TESTING_SRCS := sensor/load_unchecked.c
LIB_SRCS := $(filter-out $(TESTING_SRCS),$(wildcard $(addsuffix /*.c,$(COMPONENTS))))
CLI_SRCS := $(wildcard cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TESTING_OBJS := $(TESTING_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
# libcf.a exports the public API (CF_API in include/cf/*.h) and nothing else;
# the unit tests, fuzz targets, cfc-failalloc and cfbench call internal
# functions too and link every object from libcf-internal.a.
LIBCF := $(BUILD)/libcf.a
LIBCF_INTERNAL := $(BUILD)/libcf-internal.a
CFC := $(BUILD)/cfc

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_HELPERS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELPER_OBJS := $(UNIT_HELPERS:%.c=$(BUILD)/obj/%.o)

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRCS:fuzz/fuzz_%.c=%)
REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/replay/%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzzers/%)
FUZZ_SECONDS ?= 60

# --- dependencies -----------------------------------------------------------

# `make deps` runs by itself when a library is missing, and for the goals
# that test when a test tool is missing too.
HAVE_BUILD_DEPS := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)
HAVE_TEST_DEPS := $(shell pkg-config --exists $(TEST_PKGS) 2>/dev/null && command -v minisign >/dev/null \
	&& command -v yarac >/dev/null && /usr/bin/python3 -c 'import jsonschema, yaml' 2>/dev/null && echo yes)
TESTING_GOALS := $(filter check asan demo unit cli fuzz bench valgrind crash,$(MAKECMDGOALS))
ifneq ($(HAVE_BUILD_DEPS),yes)
DEPS_PREREQ := deps
else ifneq ($(TESTING_GOALS),)
ifneq ($(HAVE_TEST_DEPS),yes)
DEPS_PREREQ := deps
endif
endif

.PHONY: deps
deps:
	@if [ "$$(id -u)" = 0 ]; then \
		echo "cfc: installing build dependencies with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES) >/dev/null \
		|| { echo "cfc: apt-get failed" >&2; exit 1; }; \
	else \
		missing=; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
		if [ -n "$$missing" ]; then \
			echo "cfc: missing packages; run as root:" >&2; \
			echo "  apt-get update && apt-get install -y$$missing" >&2; exit 1; \
		fi; \
	fi

# --- build ------------------------------------------------------------------

.PHONY: all
all: $(CFC)

$(BUILD)/obj/%.o: %.c | $(DEPS_PREREQ)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(OBJ_CFLAGS) -c -o $@ $<

# Library code exports only what a public header marks CF_API.
$(LIB_OBJS) $(TESTING_OBJS): OBJ_CFLAGS := -fvisibility=hidden

# The installed library: one partial link of every library object, whose
# hidden symbols are then made local, so that nothing but the public API
# can be linked against (tests/cli/api.sh).
LD ?= ld
OBJCOPY ?= objcopy
$(LIBCF): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ $(BUILD)/libcf.o && $(LD) -r -o $(BUILD)/libcf.o $^ \
		&& $(OBJCOPY) --localize-hidden $(BUILD)/libcf.o && ar rcs $@ $(BUILD)/libcf.o

$(LIBCF_INTERNAL): $(LIB_OBJS) $(TESTING_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The program links the installed library: it can use the public API only.
$(CFC): $(CLI_OBJS) $(LIBCF)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(LIBCF) $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_HELPER_OBJS) $(LIBCF_INTERNAL)
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(LIBCF_INTERNAL) $(PKG_LIBS) $(TEST_LIBS)

.SECONDARY:

# cfc with every allocation of its own code routed through failalloc.c, for
# the allocation-failure loop (tests/torture/alloc.sh).
WRAP_ALLOC := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup -Wl,-z,now
$(BUILD)/cfc-failalloc: $(CLI_OBJS) $(BUILD)/obj/tests/torture/failalloc.o $(LIBCF_INTERNAL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(WRAP_ALLOC) -o $@ $(CLI_OBJS) $(BUILD)/obj/tests/torture/failalloc.o $(LIBCF_INTERNAL) $(PKG_LIBS)

# A fuzz target with a plain main() that replays saved inputs (make check).
$(BUILD)/replay/%: $(BUILD)/obj/fuzz/fuzz_%.o $(BUILD)/obj/fuzz/replay.o $(LIBCF_INTERNAL)
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/fuzz/replay.o $(LIBCF_INTERNAL) $(PKG_LIBS)

# The same target linked with libFuzzer (make fuzz, FUZZ=1 build only).
$(BUILD)/fuzzers/%: $(BUILD)/obj/fuzz/fuzz_%.o $(LIBCF_INTERNAL)
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBCF_INTERNAL) $(PKG_LIBS)

# --- tests ------------------------------------------------------------------

.PHONY: check unit cli asan
# make check also runs the allocation-failure loop (tests/cli/torture_alloc.sh,
# which needs cfc-failalloc) and a short crash-safety run (tests/cli/crash_kill.sh).
check: $(CFC) $(BUILD)/cfc-failalloc $(UNIT_BINS) $(REPLAY_BINS) | $(DEPS_PREREQ)
	$(Q)CFC=$(abspath $(CFC)) BUILD=$(abspath $(BUILD)) SANITIZE=$(SANITIZE) tests/run.sh $(UNIT_BINS)

unit: $(UNIT_BINS)
	$(Q)BUILD=$(abspath $(BUILD)) tests/run.sh --unit-only $(UNIT_BINS)

cli: $(CFC) $(BUILD)/cfc-failalloc | $(DEPS_PREREQ)
	$(Q)CFC=$(abspath $(CFC)) BUILD=$(abspath $(BUILD)) SANITIZE=$(SANITIZE) tests/run.sh --cli-only

asan:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 check

# --- fuzzing: every target for FUZZ_SECONDS (default 60) ------------------

.PHONY: fuzz fuzz-build
FUZZ_BUILD ?= build/fuzz
fuzz: $(CFC)
	$(Q)$(MAKE) --no-print-directory FUZZ=1 BUILD=$(FUZZ_BUILD) fuzz-build
	$(Q)CFC=$(abspath $(CFC)) FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_NAMES)

fuzz-build: $(FUZZ_BINS)

# --- hardening (docs/hardening.md) -----------------------------------------

.PHONY: valgrind crash
# Under valgrind memcheck: the unit binaries, the corpus replays, and every
# cfc run by the command-line tests listed in tests/valgrind/subset.
valgrind: $(CFC) $(BUILD)/cfc-failalloc $(UNIT_BINS) $(REPLAY_BINS) | $(DEPS_PREREQ)
	$(Q)CFC=$(abspath $(CFC)) BUILD=$(abspath $(BUILD)) CFC_VALGRIND=1 tests/run.sh $(UNIT_BINS)

# SIGKILL at random moments, CRASH_TRIALS times per command.
CRASH_TRIALS ?= 100
crash: $(CFC)
	$(Q)CFC=$(abspath $(CFC)) tests/crash/kill.sh $(CRASH_TRIALS)

# --- benchmark (not part of make check): bench/README.md ---------------------

.PHONY: bench
bench: $(CFC) $(BUILD)/cfbench
	$(Q)CFC=$(abspath $(CFC)) CFBENCH=$(abspath $(BUILD)/cfbench) bench/run.sh

$(BUILD)/cfbench: $(BUILD)/obj/bench/cfbench.o $(LIBCF)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBCF) $(PKG_LIBS)

# --- demo -------------------------------------------------------------------

.PHONY: demo
demo: $(CFC) | $(DEPS_PREREQ)
	$(Q)CFC=$(abspath $(CFC)) samples/demo.sh

# --- install ----------------------------------------------------------------

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The public headers, one per component: the only ones installed.
PUBLIC_HEADERS := $(wildcard include/cf/*.h)

# Regenerated on every run, replaced only when its text changes: a second
# `make install PREFIX=...` gets a libcf.pc for its own prefix.
.PHONY: FORCE
$(BUILD)/libcf.pc: FORCE
	@mkdir -p $(@D)
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))' \
		'includedir=$(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))' '' \
		'Name: libcf' \
		'Description: channel files: compile, lint, sign, bundle and load detection content' \
		'Version: $(VERSION)' \
		'Requires: $(PKGS)' \
		'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lcf' >$@.new
	$(Q)if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@ && printf '  %-6s %s\n' GEN $@; fi

.PHONY: install uninstall
install: $(CFC) $(LIBCF) $(BUILD)/libcf.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(INCLUDEDIR)/cf
	install -m 0755 $(CFC) $(DESTDIR)$(BINDIR)/cfc
	install -m 0644 $(LIBCF) $(DESTDIR)$(LIBDIR)/libcf.a
	install -m 0644 $(BUILD)/libcf.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libcf.pc
	install -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/cf/
	install -m 0644 docs/man/cfc.1 $(DESTDIR)$(MANDIR)/man1/cfc.1
	install -m 0644 docs/completion/cfc.bash $(DESTDIR)$(BASHCOMPDIR)/cfc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cfc $(DESTDIR)$(LIBDIR)/libcf.a $(DESTDIR)$(LIBDIR)/pkgconfig/libcf.pc \
		$(DESTDIR)$(MANDIR)/man1/cfc.1 $(DESTDIR)$(BASHCOMPDIR)/cfc
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/cf/,$(notdir $(PUBLIC_HEADERS)))
	rmdir $(DESTDIR)$(INCLUDEDIR)/cf 2>/dev/null || true

# --- housekeeping -----------------------------------------------------------

.PHONY: clean format
clean:
	rm -rf build

format:
	clang-format -i $(filter-out format/crc32c_table.h,$(wildcard */*.c */*.h include/cf/*.h tests/unit/*.c))

-include $(FUZZ_SRCS:%.c=$(BUILD)/obj/%.d) $(BUILD)/obj/fuzz/replay.d
-include $(LIB_OBJS:.o=.d) $(TESTING_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_SRCS:%.c=$(BUILD)/obj/%.d) $(UNIT_HELPERS:%.c=$(BUILD)/obj/%.d)
