console.log((process.memoryUsage().rss/1048576).toFixed(0), "MB")
