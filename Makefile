# SPDX-License-Identifier: MIT
# avtrace build. Products go to $(O) (default .output/); `make V=1` shows commands.
#
#   make            build ./avtrace (recorder included)
#   make check      build, run every test suite (plain + ASan/UBSan build)
#   make demo       replay a bundled trace under every implemented scheme
#   make deps       install build/test dependencies with apt-get (idempotent)
#   make bench      benchmarks (decode and replay speed, peak RSS)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Layout: src/{util,format,text,engine} form libavt.a, which needs only
# libc and zlib (replay/diff/script/info/import never touch libbpf).
# src/record + bpf/ are the recorder (libbpf, linked statically from
# Debian's libbpf-dev so the binary runs where no libbpf1 is installed).
# src/cli holds main() and one file per subcommand.

O       ?= .output
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
PREFIX  ?= /usr/local
VERSION := 0.1.0

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

WARN    := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
CFLAGS  += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(O) \
	   -DAVT_VERSION='"$(VERSION)"'
LDLIBS  := -lz -lm

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIB_SRC    := $(wildcard src/util/*.c src/format/*.c src/text/*.c src/engine/*.c src/report/*.c)
REC_SRC    := $(wildcard src/record/*.c)
CLI_SRC    := $(wildcard src/cli/*.c)
BPF_SRC    := $(wildcard bpf/*.bpf.c)
TEST_SRC   := $(wildcard tests/unit/test_*.c)
TOOL_SRC   := $(wildcard tests/kernel/*.c tests/workloads/*.c bench/*.c)

LIB_OBJ    := $(LIB_SRC:%.c=$(O)/%.o)
REC_OBJ    := $(REC_SRC:%.c=$(O)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(O)/%.o)
BPF_OBJ    := $(BPF_SRC:bpf/%.bpf.c=$(O)/bpf/%.bpf.o)
SKELS      := $(BPF_SRC:bpf/%.bpf.c=$(O)/%.skel.h)
TEST_BIN   := $(TEST_SRC:tests/unit/%.c=$(O)/tests/%)
TOOL_BIN   := $(TOOL_SRC:%.c=$(O)/%)
LIBAVT     := $(O)/libavt.a

LIBBPF_A   := $(firstword $(wildcard /usr/lib/$(shell $(CC) -print-multiarch)/libbpf.a /usr/lib/libbpf.a /usr/lib64/libbpf.a))
BPF_LIBS   := $(LIBBPF_A) -lelf -lz

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean check check-plain check-san tests tools demo deps install bench FORCE

all: avtrace

# ---- BPF ------------------------------------------------------------------
# vmlinux.h is generated at build time from the build machine's BTF
# (/sys/kernel/btf/vmlinux). CO-RE relocations make the result portable to
# other kernels with BTF. Override with VMLINUX_H=path for cross builds.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H   ?= $(O)/vmlinux.h

$(O)/vmlinux.h: | $(O)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/avtrace/event.h $(VMLINUX_H) | $(O)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX_H)) -Ibpf -Iinclude \
		$(CLANG_BPF_SYS_INCLUDES) -Wall -Werror -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# ---- C ----------------------------------------------------------------------
$(O) $(O)/bpf $(O)/tests:
	$(Q)mkdir -p $@

$(O)/%.o: %.c | $(O)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(REC_OBJ): $(SKELS)

$(LIBAVT): $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

avtrace: $(O)/avtrace
	$(Q)cp $< $@

$(O)/avtrace: $(CLI_OBJ) $(REC_OBJ) $(LIBAVT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(BPF_LIBS) $(LDLIBS) -o $@

# unit tests: each tests/unit/test_x.c is a cmocka program over libavt.a
$(O)/tests/%: $(O)/tests/unit/%.o $(LIBAVT)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) -o $@

# helper programs (kernel runner, workloads, bench generators): standalone
# except that they may use libavt.a
$(O)/tests/kernel/% $(O)/tests/workloads/% $(O)/bench/%: FORCE_NOTHING
$(O)/tests/kernel/%: tests/kernel/%.c $(LIBAVT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(LIBAVT) $(LDLIBS) -lpthread -o $@
$(O)/tests/workloads/%: tests/workloads/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -o $@
$(O)/bench/%: bench/%.c $(LIBAVT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(LIBAVT) $(LDLIBS) -o $@
FORCE_NOTHING: ;

tests: $(TEST_BIN)
tools: $(TOOL_BIN)

# ---- checks -----------------------------------------------------------------
# check: the plain build and an ASan+UBSan build of libavt, the unit tests and
# the CLI; tests/run.sh runs every suite, prints each suite's wall time and a
# final "N passed, N failed" line.
# check and demo do their own setup: dependencies first, then a sub-make
# (so the build sees the freshly installed tools).
check:
	$(Q).ci/deps.sh
	$(Q)$(MAKE) --no-print-directory check-plain
	$(Q)$(MAKE) --no-print-directory check-san
	$(Q)tests/summary.sh $(O)/results.txt $(O)-san/results.txt

check-plain: avtrace tests tools
	$(Q)echo "== test suites (plain build) =="
	$(Q)AVTRACE=$(CURDIR)/$(O)/avtrace O=$(O) tests/run.sh $(O)/results.txt

check-san:
	$(Q)$(MAKE) --no-print-directory O=$(O)-san SAN=1 $(O)-san/avtrace tests tools
	$(Q)echo "== test suites (ASan+UBSan build) =="
	$(Q)AVTRACE=$(CURDIR)/$(O)-san/avtrace O=$(O)-san AVT_SAN=1 ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh $(O)-san/results.txt

demo:
	$(Q).ci/deps.sh
	$(Q)$(MAKE) --no-print-directory avtrace
	$(Q)tests/demo.sh ./avtrace

bench: $(O)/avtrace tools
	$(Q)bench/run.sh $(O)

deps:
	$(Q).ci/deps.sh

install: avtrace
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 avtrace $(DESTDIR)$(PREFIX)/bin/avtrace
	for f in man/*.1; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/man/man1/; done; true
	for f in man/*.5; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/man/man5/; done; true
	for f in man/*.7; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/man/man7/; done; true
	for f in man/*.8; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/man/man8/; done; true

clean:
	rm -rf .output .output-san avtrace

-include $(shell find $(O) -name '*.d' 2>/dev/null)
