#!/bin/bash
# The seed's release phase in bash: the same six tasks and lines as scripts/release.rhai,
# for the side-by-side benchmark in bench/compare.sh.
set -e
WORK=${SIMULATED_WORK_SECONDS:-1}

echo "=========================================="
echo "🚀 RELEASE PHASE STARTED"
echo "=========================================="
echo "📅 Release Time: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "🏗️  Build: ${HEROKU_SLUG_COMMIT:-${SOURCE_VERSION:-unknown}}"
echo "📦 App: ${HEROKU_APP_NAME:-unknown}"
echo ""

echo "Task 1: Printing release information..."
echo "  This is the Release Phase!"
echo "  Running before web/worker dynos start"
echo ""

echo "Task 2: Checking environment variables..."
for name in DATABASE_URL REDIS_URL NEW_RELIC_LICENSE_KEY; do
  if [ -n "${!name}" ]; then echo "  ✅ $name is set"; else echo "  ⚠️  $name is not set"; fi
done
echo ""

echo "Task 3: Checking runtime information..."
echo "  bash: $BASH_VERSION"
if command -v node >/dev/null 2>&1; then
  echo "  Node.js: $(node --version)"
else
  echo "  Node.js not found"
fi
echo ""

echo "Task 4: Motivational message..."
messages=(
  "🎉 Ship it! Your code is going live!"
  "💪 Great work! Another successful deployment!"
  "🌟 You're making the world better, one release at a time!"
  "🚀 To infinity and beyond!"
  "✨ Deploy with confidence!"
)
echo "  ${messages[$((RANDOM % ${#messages[@]}))]}"
echo ""

echo "Task 5: Running database migrations (simulated)..."
sleep "$WORK"
echo "  ✅ Migrations completed"
echo ""

echo "Task 6: Warming up caches (simulated)..."
sleep "$WORK"
echo "  ✅ Cache warmed up"
echo ""

echo "=========================================="
echo "✅ RELEASE PHASE COMPLETED SUCCESSFULLY"
echo "=========================================="
