# FAST-Prefill. `make help` lists the targets. Every target bootstraps what it needs first.
PRESET  ?= u280
JOBS    ?= $(shell n=$$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1); [ "$$n" -ge 1 ] 2>/dev/null && echo $$n || echo 1)
PYTEST_ARGS ?=
PROFILE ?=
RUNNER  ?= direct
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.bootstrap-stamp
PYTEST  := $(BIN)/pytest
FP      := $(BIN)/fast-prefill
export FAST_PREFILL_PROFILE := $(PROFILE)

.DEFAULT_GOAL := verilog
.PHONY: all verilog test test-all test-profile formal lint synth vivado report bench clean help bootstrap

$(STAMP): pyproject.toml setup.py scripts/bootstrap.sh
	@bash scripts/bootstrap.sh
	@touch $@

bootstrap: $(STAMP) ## create .venv, install pinned packages, iverilog and verilator

all: verilog

verilog: $(STAMP) ## convert every RTL block for PRESET (default u280) into build/verilog, lint, read back
	@$(FP) verilog --preset $(PRESET)

# pytest-xdist: JOBS worker processes (default: one per CPU); worksteal rebalances the long proofs
XDIST    = -n $(JOBS) --dist worksteal

test: $(STAMP) ## the default test run (what CI runs): fast tests, co-simulation and proofs, JOBS workers
	@$(PYTEST) $(XDIST) -m "not slow" $(PYTEST_ARGS)

test-profile: $(STAMP) ## the default test run with each test's time split by phase (conversion, compile, simulation per backend, proofs): build/profile/profile.md
	@rm -rf build/profile
	@FAST_PREFILL_TIMINGS=build/profile $(PYTEST) $(XDIST) -m "not slow" $(PYTEST_ARGS)
	@$(BIN)/python -m fast_prefill.profile build/profile > build/profile/profile.md
	@echo "profile: build/profile/profile.md"

test-all: $(STAMP) ## every test, slow sweeps included (PROFILE=nightly for many more examples), JOBS workers
	@$(PYTEST) $(XDIST) $(PYTEST_ARGS)

formal: $(STAMP) ## run every SymbiYosys proof job (JOBS=N in parallel; RUNNER=sby for yowasp-sby itself), one table of results
	@$(FP) formal -j $(JOBS) --runner $(RUNNER)

lint: $(STAMP) ## convert and lint every block for both presets
	@$(FP) verilog --preset tiny
	@$(FP) verilog --preset u280

SYNTH_ARGS ?=
synth: $(STAMP) ## resource ESTIMATE and logic levels for PRESET: yosys synth_xilinx -family xcup once per module, counted per instance (docs/vivado.md)
	@nice $(BIN)/python -m fast_prefill.synth --preset $(PRESET) --jobs $(JOBS) $(SYNTH_ARGS)

vivado: $(STAMP) ## write build/vivado/ for PRESET: Vitis kernel packaging, v++ link config, Vivado project
	@$(FP) vivado --preset $(PRESET)

report: $(STAMP) ## performance report (modelled, calibrated by RTL cycle counts) with plots in build/report/
	@$(FP) report

bench: $(STAMP) ## every benchmark (not a test): cycle counts, utilisation, HBM traffic
	@$(FP) bench all

clean: ## remove generated files (build/, Hypothesis database); keeps .venv
	rm -rf build .hypothesis .pytest_cache

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: PRESET=u280|tiny  JOBS=$(JOBS) (test workers, parallel proofs)  PROFILE=dev|ci|nightly  PYTEST_ARGS=..."
