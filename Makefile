# SPDX-License-Identifier: GPL-2.0-only
#
# dda: discrete device assignment for Linux/KVM. `make help` lists the targets.

VERSION := 0.1.0
SOVERSION := 0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= /lib/systemd/system
UDEVRULESDIR ?= /lib/udev/rules.d
MANDIR ?= $(PREFIX)/share/man
BASHCOMPLETIONDIR ?= /usr/share/bash-completion/completions
# The family's YNL spec, where the kernel's YNL tools install theirs.
YNLSPECDIR ?= $(PREFIX)/share/ynl/specs
# Where libvirtd runs its qemu hooks: not under PREFIX, libvirtd looks only there.
LIBVIRTHOOKDIR ?= /etc/libvirt/hooks/qemu.d
DESTDIR ?=

# The kernel to build dda.ko against: the running kernel's build tree, or
# KDIR=. Never "the newest installed": the tests name their kernels
# (tests/kernels.sh). dda.ko lands in build/kmod/KVER/ (KMOD_OUT), so one
# tree holds a module for each kernel; KMOD_OUT=kmod builds in place (DKMS).
KDIR ?= /lib/modules/$(shell uname -r)/build
KVER = $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KMOD_OUT ?= $(B)/kmod/$(KVER)

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

B := build
PKGS := libnl-genl-3.0 libnl-3.0 json-c

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
DDA_CPPFLAGS := -Iinclude/uapi -Ilib -Idaemon/common -D_GNU_SOURCE \
	-DDDA_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) libkmod 2>/dev/null)
DDA_CFLAGS := -std=c11 $(WARN) $(CFLAGS)
DDA_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libvirt is optional: with its development files (pkg-config libvirt),
# HAVE_LIBVIRT is defined and the libvirt pieces are built (ddad's libvirt
# guest module, the qemu hook); without them nothing else changes.
HAVE_LIBVIRT := $(shell pkg-config --exists libvirt libxml-2.0 2>/dev/null && echo 1)
ifeq ($(HAVE_LIBVIRT),1)
LIBVIRT_CPPFLAGS := -DHAVE_LIBVIRT $(shell pkg-config --cflags libvirt libxml-2.0)
LIBVIRT_LIBS := $(shell pkg-config --libs libvirt libxml-2.0) -lpthread
XML_LIBS := $(shell pkg-config --libs libxml-2.0)
DDA_CPPFLAGS += $(LIBVIRT_CPPFLAGS)
endif
# What ddactl alone links: libkmod, for the modules of a modalias.
DDACTL_LIBS := $(shell pkg-config --libs libkmod 2>/dev/null)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS := $(wildcard lib/*.c)
# The clients' side of ddad's socket: ddactl's and the hook's.
DDAD_SOCKET_SRCS := daemon/common/ddad_socket.c
DDACTL_SRCS := $(wildcard daemon/ddactl/*.c) $(DDAD_SOCKET_SRCS)
# The libvirt pieces: ddad's libvirt guest module and the qemu hook, and
# the domain XML they share (daemon/common/libvirt_xml.c).
LIBVIRT_DDAD_SRCS := daemon/ddad/libvirt.c
LIBVIRT_XML_SRCS := daemon/common/libvirt_xml.c
HOOK_SRCS := daemon/hooks/qemu_hook.c $(DDAD_SOCKET_SRCS)
# ddad's libvirt guests: guest_libvirt.c with libvirt, else
# guest_libvirt_none.c (which the job test links, to have none).
GUEST_LIBVIRT_SRC := daemon/ddad/guest_libvirt$(if $(HAVE_LIBVIRT),,_none).c
DDAD_SRCS := $(filter-out $(LIBVIRT_DDAD_SRCS) daemon/ddad/guest_libvirt%, \
	$(wildcard daemon/ddad/*.c)) $(GUEST_LIBVIRT_SRC)
# ddad's libvirt guests (guest_libvirt.c) need these, with libvirt.
DDAD_LIBVIRT_SRCS := $(if $(HAVE_LIBVIRT),$(LIBVIRT_DDAD_SRCS) $(LIBVIRT_XML_SRCS))
DDAD_LIBVIRT_LIBS := $(if $(HAVE_LIBVIRT),$(LIBVIRT_LIBS))
UNIT_SRCS := $(filter-out tests/unit/test_libvirt%.c,$(wildcard tests/unit/test_*.c))
LIBVIRT_UNIT_SRCS := $(wildcard tests/unit/test_libvirt*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(B)/san/%.o)
# ddactl's modules without its main(), for the unit tests to link.
SAN_DDACTL_A := $(B)/san/daemon/ddactl.a
# ddad's modules without its main(), likewise: a test links the modules it
# tests, and the linker takes from the archive only the objects something
# needs; a test that fakes a module defines its functions, and the real
# module's object stays out (so each module is one object).
SAN_DDAD_A := $(B)/san/daemon/ddad.a
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/san/tests/%)
DDAD_UNIT_OBJS := $(patsubst %.c,$(B)/san/%.o, \
	$(filter tests/unit/test_ddad_%.c,$(UNIT_SRCS)))
HOOK := $(B)/bin/dda-qemu-hook
ifeq ($(HAVE_LIBVIRT),1)
UNIT_BINS += $(LIBVIRT_UNIT_SRCS:tests/unit/%.c=$(B)/san/tests/%)
endif

LIBDDA_SO := $(B)/lib/libdda.so.$(VERSION)
LIBDDA_A := $(B)/lib/libdda.a
DDACTL := $(B)/bin/ddactl
DDAD := $(B)/bin/ddad
SAN_DDACTL := $(B)/san/bin/ddactl
SAN_DDAD := $(B)/san/bin/ddad

.PHONY: all kmod kmods lib tools san deps check check-unit check-kunit \
	check-ynl ynl check-integration check-newest checkpatch sparse demo bench \
	install uninstall clean help
.DEFAULT_GOAL := all

all: kmod lib tools

help:
	@echo 'make              build dda.ko (KDIR=$(KDIR)), libdda, ddad, ddactl'
	@echo 'make kmods        dda.ko for every kernel the tests run on (tests/kernels.sh)'
	@echo 'make deps         install what the build and the tests need (apt-get)'
	@echo 'make check        every test; the last line is "N passed, N failed"'
	@echo 'make check-ynl    the YNL spec include/uapi/linux/dda.yaml against dda.h'
	@echo 'make check-newest dda.ko against the newest Debian kernel (trixie-backports),'
	@echo '                  built in a trixie chroot, booted in the sandbox VM (not in check)'
	@echo 'make demo         boot the sandbox VM and show its devices'
	@echo 'make bench        benchmarks in the sandbox VM (not part of check)'
	@echo 'make install      install (DESTDIR, PREFIX honoured)'
	@echo 'make checkpatch   checkpatch.pl --strict over the kernel code'
	@echo 'make sparse       sparse (C=2) over dda.ko, for every tested kernel'

deps:
	$(Q)tests/deps.sh

# --- kernel module ---------------------------------------------------------

# Out of tree, kbuild writes its objects beside the sources: build/kmod/KVER/
# is a directory of links to kmod/'s files, so each kernel gets its own.
kmod:
	$(Q)test -n "$(KVER)" || { echo "dda: no kernel build tree at KDIR=$(KDIR): install its headers, or name one (make KDIR=/usr/src/linux-headers-...)" >&2; exit 1; }
ifneq ($(KMOD_OUT),kmod)
	$(Q)mkdir -p $(KMOD_OUT)
	$(Q)find $(KMOD_OUT) -maxdepth 1 -type l -delete
	$(Q)ln -s $(addprefix $(CURDIR)/,$(wildcard kmod/Kbuild kmod/*.[ch] kmod/probes)) $(KMOD_OUT)/
endif
	$(Q)$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_OUT)) $(if $(filter 1,$(V)),V=1) modules

checkpatch:
	$(Q)tests/checkpatch.sh

sparse:
	$(Q)tests/sparse.sh

# --- user space ------------------------------------------------------------

lib: $(LIBDDA_SO) $(LIBDDA_A) $(B)/lib/dda.pc
tools: $(DDACTL) $(DDAD) $(if $(HAVE_LIBVIRT),$(HOOK))
san: $(SAN_DDACTL) $(SAN_DDAD) $(UNIT_BINS)

$(B)/%.o: %.c $(wildcard lib/*.h daemon/common/*.h daemon/*/*.h) include/uapi/linux/dda.h
	@mkdir -p $(@D)
	$(if $(Q),@echo '  CC      $<')
	$(Q)$(CC) $(DDA_CPPFLAGS) $(DDA_CFLAGS) -fPIC -c -o $@ $<

$(B)/san/%.o: %.c $(wildcard lib/*.h daemon/common/*.h daemon/*/*.h) include/uapi/linux/dda.h
	@mkdir -p $(@D)
	$(if $(Q),@echo '  CC SAN  $<')
	$(Q)$(CC) $(DDA_CPPFLAGS) $(DDA_CFLAGS) $(SAN) -Itests/unit -c -o $@ $<

$(LIBDDA_SO): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -Wl,-soname,libdda.so.$(SOVERSION) -Wl,--version-script=lib/libdda.map \
		-o $@ $^ $(DDA_LIBS)
	$(Q)ln -sf libdda.so.$(VERSION) $(B)/lib/libdda.so.$(SOVERSION)
	$(Q)ln -sf libdda.so.$(SOVERSION) $(B)/lib/libdda.so

$(LIBDDA_A): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/lib/dda.pc: lib/dda.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(DDACTL): $(DDACTL_SRCS:%.c=$(B)/%.o) $(LIBDDA_A)
	@mkdir -p $(@D)
	$(if $(Q),@echo '  LD      $@')
	$(Q)$(CC) $(DDA_CFLAGS) -o $@ $^ $(DDACTL_LIBS) $(DDA_LIBS)

$(DDAD): $(DDAD_SRCS:%.c=$(B)/%.o) $(DDAD_LIBVIRT_SRCS:%.c=$(B)/%.o) $(LIBDDA_A)
	@mkdir -p $(@D)
	$(if $(Q),@echo '  LD      $@')
	$(Q)$(CC) $(DDA_CFLAGS) -o $@ $^ $(DDAD_LIBVIRT_LIBS) $(DDA_LIBS)

$(SAN_DDACTL): $(DDACTL_SRCS:%.c=$(B)/san/%.o) $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(DDACTL_LIBS) $(DDA_LIBS)

$(SAN_DDAD): $(DDAD_SRCS:%.c=$(B)/san/%.o) $(DDAD_LIBVIRT_SRCS:%.c=$(B)/san/%.o) $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(DDAD_LIBVIRT_LIBS) $(DDA_LIBS)

# The libvirt pieces, with libvirt (HAVE_LIBVIRT). The hook links the
# domain XML parser and json-c, never libvirt: it talks only to ddad.
$(HOOK): $(HOOK_SRCS:%.c=$(B)/%.o) $(LIBVIRT_XML_SRCS:%.c=$(B)/%.o) $(LIBDDA_A)
	@mkdir -p $(@D)
	$(if $(Q),@echo '  LD      $@')
	$(Q)$(CC) $(DDA_CFLAGS) -o $@ $^ $(XML_LIBS) $(DDA_LIBS)

$(B)/san/tests/test_libvirt_xml: $(B)/san/tests/unit/test_libvirt_xml.o $(SAN_LIB_OBJS) \
		$(LIBVIRT_XML_SRCS:%.c=$(B)/san/%.o)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(XML_LIBS) $(DDA_LIBS)

$(B)/san/tests/test_libvirt_hook: $(B)/san/tests/unit/test_libvirt_hook.o $(SAN_LIB_OBJS) \
		$(LIBVIRT_XML_SRCS:%.c=$(B)/san/%.o) $(DDAD_SOCKET_SRCS:%.c=$(B)/san/%.o)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(XML_LIBS) $(DDA_LIBS)
$(B)/san/tests/unit/test_libvirt_hook.o: $(HOOK_SRCS)

$(B)/san/tests/test_libvirt_guest: $(B)/san/tests/unit/test_libvirt_guest.o $(SAN_LIB_OBJS) \
		$(LIBVIRT_DDAD_SRCS:%.c=$(B)/san/%.o) $(LIBVIRT_XML_SRCS:%.c=$(B)/san/%.o)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(LIBVIRT_LIBS) $(DDA_LIBS)

# ddad's core with its libvirt guests, against libvirt's test driver.
$(B)/san/tests/test_libvirt_domains: $(B)/san/tests/unit/test_libvirt_domains.o \
		$(SAN_DDAD_A) $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(LIBVIRT_LIBS) $(DDA_LIBS)

$(SAN_DDACTL_A): $(filter-out %/ddactl.o,$(DDACTL_SRCS:%.c=$(B)/san/%.o))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/san/tests/%: $(B)/san/tests/unit/%.o $(SAN_LIB_OBJS) $(SAN_DDACTL_A)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(DDACTL_LIBS) $(DDA_LIBS)

$(SAN_DDAD_A): $(filter-out %/main.o,$(DDAD_SRCS:%.c=$(B)/san/%.o)) \
		$(DDAD_LIBVIRT_SRCS:%.c=$(B)/san/%.o)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/san/tests/test_ddad_%: $(B)/san/tests/unit/test_ddad_%.o $(SAN_DDAD_A) \
		$(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(DDAD_LIBVIRT_LIBS) $(DDA_LIBS)

# The tests of ddactl's and ddad's modules see their headers.
$(filter-out $(DDAD_UNIT_OBJS),$(UNIT_SRCS:%.c=$(B)/san/%.o)): \
	DDA_CPPFLAGS += -Idaemon/ddactl
$(DDAD_UNIT_OBJS): DDA_CPPFLAGS += -Idaemon/ddad
$(LIBVIRT_UNIT_SRCS:%.c=$(B)/san/%.o): DDA_CPPFLAGS += -Idaemon/ddad -Idaemon/hooks

# Keep the objects of test programs between runs (make would delete them as
# intermediates and rebuild them every time).
.SECONDARY: $(UNIT_SRCS:%.c=$(B)/san/%.o) $(LIBVIRT_UNIT_SRCS:%.c=$(B)/san/%.o)

# The job test fakes dda.ko (kernel.c, kernel_view.c) and the processes
# (process.c), and has no libvirt domains; the protocol test runs the ASan
# ddad.
$(B)/san/tests/test_ddad_job: $(B)/san/tests/unit/test_ddad_job.o \
		$(B)/san/daemon/ddad/guest_libvirt_none.o $(SAN_DDAD_A) \
		$(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(DDA_CFLAGS) $(SAN) -o $@ $^ $(DDAD_LIBVIRT_LIBS) $(DDA_LIBS)
$(B)/san/tests/test_ddad_protocol: | $(SAN_DDAD)

# --- tests -----------------------------------------------------------------

# make check and make demo work as the first command on a fresh machine:
# deps first (quick when all is there), then a new make, which sees the
# packages pkg-config now knows. kmods: dda.ko for every tested kernel.
check: deps
	$(Q)$(MAKE) kmods lib tools san ynl
	$(Q)tests/check.sh all

check-unit: san
	$(Q)tests/check.sh unit

check-kunit:
	$(Q)tests/check.sh kunit

check-ynl: ynl
	$(Q)tests/check.sh ynl

# The kernel's YNL tools (cli.py, ynl-gen-c.py) in build/ynl, for the spec
# check and for the scenario that drives dda with cli.py.
ynl:
	$(Q)tests/ynl/tools.sh >/dev/null

check-integration: kmods lib tools san ynl
	$(Q)tests/check.sh integration

kmods:
	$(Q)tests/kernels.sh list >/dev/null
	$(Q)tests/kernels.sh list | while read -r line kver; do \
		$(MAKE) kmod KDIR=/usr/src/linux-headers-$$kver || exit; done

# Not part of check: the newest kernel Debian ships (trixie-backports), its
# headers in a trixie chroot and its image, all in a cache outside the clone.
check-newest: tools san
	$(Q)tests/newest/run.sh

# The demo and the benchmarks run on the first kernel of tests/kernels.sh.
demo: deps
	$(Q)$(MAKE) kmods lib tools
	$(Q)KVER=$$(tests/kernels.sh list | sed -n '1s/.* //p') tests/integration/demo.sh

bench: kmods lib tools $(B)/bench/ddactl-static
	$(Q)KVER=$$(tests/kernels.sh list | sed -n '1s/.* //p') bench/run.sh

# For the benchmarks only, never installed: the same ddactl linked
# statically, to tell what starting a process costs from what ddactl does.
$(B)/bench/ddactl-static: $(DDACTL_SRCS:%.c=$(B)/%.o) $(LIBDDA_A)
	@mkdir -p $(@D)
	$(if $(Q),@echo '  LD      $@')
	$(Q)$(CC) $(DDA_CFLAGS) -static -Wl,--no-warnings -o $@ $^ \
		$(shell pkg-config --static --libs libkmod libnl-genl-3.0 libnl-3.0 json-c 2>/dev/null)

# --- install ---------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)/lib/modules/$(KVER)/extra $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPLETIONDIR) \
		$(DESTDIR)$(YNLSPECDIR)
	install -m 0644 $(KMOD_OUT)/dda.ko $(DESTDIR)/lib/modules/$(KVER)/extra/dda.ko
	install -m 0755 $(DDACTL) $(DESTDIR)$(SBINDIR)/ddactl
	install -m 0755 $(DDAD) $(DESTDIR)$(SBINDIR)/ddad
	install -m 0755 $(LIBDDA_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libdda.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libdda.so.$(SOVERSION)
	ln -sf libdda.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libdda.so
	install -m 0644 $(LIBDDA_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 lib/libdda.h $(DESTDIR)$(INCLUDEDIR)/libdda.h
	install -m 0644 include/uapi/linux/dda.h $(DESTDIR)$(INCLUDEDIR)/linux/dda.h
	install -m 0644 include/uapi/linux/dda.yaml $(DESTDIR)$(YNLSPECDIR)/dda.yaml
	install -m 0644 $(B)/lib/dda.pc $(DESTDIR)$(PKGCONFIGDIR)/dda.pc
	sed 's|/usr/sbin/ddad|$(SBINDIR)/ddad|' daemon/ddad/ddad.service > $(DESTDIR)$(SYSTEMDUNITDIR)/ddad.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/ddad.service
	sed 's|/usr/sbin/ddactl|$(SBINDIR)/ddactl|' udev/60-dda.rules > $(DESTDIR)$(UDEVRULESDIR)/60-dda.rules
	chmod 0644 $(DESTDIR)$(UDEVRULESDIR)/60-dda.rules
	install -m 0644 man/ddactl.8 man/ddad.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/dda.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 daemon/ddactl/completion.bash $(DESTDIR)$(BASHCOMPLETIONDIR)/ddactl
ifeq ($(HAVE_LIBVIRT),1)
	install -d $(DESTDIR)$(LIBVIRTHOOKDIR)
	install -m 0755 $(HOOK) $(DESTDIR)$(LIBVIRTHOOKDIR)/dda
endif
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(if $(DESTDIR),,-udevadm control --reload)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/dda.ko \
		$(DESTDIR)$(SBINDIR)/ddactl $(DESTDIR)$(SBINDIR)/ddad \
		$(DESTDIR)$(LIBDIR)/libdda.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/libdda.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/libdda.so $(DESTDIR)$(LIBDIR)/libdda.a \
		$(DESTDIR)$(INCLUDEDIR)/libdda.h $(DESTDIR)$(INCLUDEDIR)/linux/dda.h \
		$(DESTDIR)$(YNLSPECDIR)/dda.yaml \
		$(DESTDIR)$(PKGCONFIGDIR)/dda.pc $(DESTDIR)$(SYSTEMDUNITDIR)/ddad.service \
		$(DESTDIR)$(UDEVRULESDIR)/60-dda.rules \
		$(DESTDIR)$(MANDIR)/man8/ddactl.8 $(DESTDIR)$(MANDIR)/man8/ddad.8 \
		$(DESTDIR)$(MANDIR)/man5/dda.conf.5 $(DESTDIR)$(BASHCOMPLETIONDIR)/ddactl \
		$(DESTDIR)$(LIBVIRTHOOKDIR)/dda
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(if $(DESTDIR),,-udevadm control --reload)

clean:
	$(Q)test ! -d "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	$(Q)rm -f kmod/probes.h
	$(Q)rm -rf $(B)
