# quick-photos: the API (default) or the stream worker, from one image.
#   docker build -t quick-photos .
#   docker run -p 3000:3000 --env-file prod.env quick-photos                 # the API
#   docker run --env-file prod.env quick-photos node dist/cli/main.js worker  # the stream worker
# Production needs DYNAMODB_ENGINE=aws (or DYNAMODB_ENDPOINT) and JWT_SECRET: see deploy/README.md.

# 1. Build: every dependency (TypeScript, Vite), the compiled service and the web app.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY client ./client
RUN npm run build

# 2. Production dependencies only, installed apart so that no dev dependency reaches the image.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# 3. Run: compiled JavaScript, production dependencies, a non-root user.
FROM node:20-bookworm-slim AS run
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 WORKER=0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
