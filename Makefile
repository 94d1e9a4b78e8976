# 邻里 Linli — set-up, demo, tests. `make run` and `make test` need nothing else.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := backend

# where the demo serves; the fake WeChat server also serves the H5 simulator
WEB_PORT ?= 5000
MOCK_PORT ?= 5100
# the fake WeChat Pay over TLS (refunds need the merchant certificate, as on WeChat Pay)
PAY_PORT ?= $(shell echo $$(($(MOCK_PORT) + 1)))
PAY_CERTS = instance/pay-tls
REAL_DATABASE_URL ?= postgresql://postgres@127.0.0.1/test
REAL_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test test-embedded test-real lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[embedded,dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo ""
	@echo "  管理后台   http://127.0.0.1:$(WEB_PORT)/admin/login"
	@echo "  接口文档   http://127.0.0.1:$(WEB_PORT)/api/v1/docs   (OpenAPI: /api/v1/openapi.json)"
	@echo "  H5 模拟器  http://127.0.0.1:$(MOCK_PORT)/simulator/"
	@echo "  模拟微信   http://127.0.0.1:$(MOCK_PORT)/_mock/messages"
	@echo "  按 Ctrl+C 停止"
	@echo ""
	@# Ctrl+C reaches this shell, not the servers (background jobs ignore it): stop them
	@# with TERM, wait for them and end quietly; if one of them fails, stop the other too
	@trap 'trap - INT TERM EXIT; kill $$servers 2>/dev/null; wait; echo; echo "  已停止"; exit 0' INT TERM; \
	trap 'kill $$servers 2>/dev/null' EXIT; \
	$(BIN)/python -m miniapp_mock --port $(MOCK_PORT) --api-base http://127.0.0.1:$(WEB_PORT)/api/v1 \
		--pay-tls-port $(PAY_PORT) --pay-certs $(PAY_CERTS) & \
	servers=$$!; \
	WECHAT_API_BASE=http://127.0.0.1:$(MOCK_PORT) \
	WECHAT_PAY_API_BASE=https://127.0.0.1:$(PAY_PORT) \
	WECHAT_PAY_MCH_CERT=$(PAY_CERTS)/apiclient_cert.pem WECHAT_PAY_MCH_KEY=$(PAY_CERTS)/apiclient_key.pem \
	LINLI_WECHAT_PAY_CA_BUNDLE=$(PAY_CERTS)/ca.pem \
	CORS_ORIGINS=http://127.0.0.1:$(MOCK_PORT),http://localhost:$(MOCK_PORT) \
	$(BIN)/flask serve --port $(WEB_PORT) & \
	servers="$$servers $$!"; \
	wait -n; status=$$?; echo "  有一个服务已退出（状态 $$status），另一个也随之停止"; exit $$status

test: $(STAMP) lint test-embedded test-real

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-embedded: $(STAMP)
	@echo "== embedded stack: SQLite + fakeredis =="
	LINLI_TEST_STACK=embedded $(BIN)/pytest

test-real: $(STAMP)
	@if $(BIN)/python -c "import psycopg, redis; \
	psycopg.connect('$(REAL_DATABASE_URL)', connect_timeout=3).close(); \
	redis.Redis.from_url('$(REAL_REDIS_URL)', socket_connect_timeout=3).ping()" 2>/dev/null; then \
		echo "== real stack: PostgreSQL + Redis =="; \
		LINLI_TEST_STACK=real LINLI_TEST_DATABASE_URL=$(REAL_DATABASE_URL) \
		LINLI_TEST_REDIS_URL=$(REAL_REDIS_URL) $(BIN)/pytest; \
	elif [ -n "$$CI" ]; then \
		echo "real stack: PostgreSQL ($(REAL_DATABASE_URL)) or Redis ($(REAL_REDIS_URL)) unreachable on CI"; \
		exit 1; \
	else \
		echo "SKIPPED real stack: PostgreSQL ($(REAL_DATABASE_URL)) or Redis ($(REAL_REDIS_URL)) not reachable"; \
	fi

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/me_load.py

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .ruff_cache *.egg-info
