# Builds the one binary; fly.toml runs it as two process groups (app, worker).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/indberet .

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 indberet
COPY --from=build /out/indberet /app/indberet
USER indberet
ENV PORT=8080
EXPOSE 8080
CMD ["/app/indberet", "serve"]
